-- 前置库 tables for 信用中国（河南·郑州） (creditchina-henan-zhengzhou, profile version 1).
-- Made by `gongshi frontdb ddl --profile creditchina-henan-zhengzhou`; `gongshi frontdb init URL` runs it.
-- Withdrawal: the row is deleted.

CREATE TABLE IF NOT EXISTS frxzcf ( -- 行政处罚（法人及非法人组织、个体工商户）（creditchina-henan-zhengzhou feed penalty-legal）
  gs_key text PRIMARY KEY, -- SHA-256 of the record's decision key (决定书文号|相对人名称), never the key itself
  cf_xdr_mc text, -- 行政相对人名称
  cf_xdr_lb text, -- 行政相对人类别
  cf_xdr_shxym text, -- 行政相对人代码_1(统一社会信用代码)
  cf_xdr_gszc text, -- 行政相对人代码_2(工商注册号)
  cf_xdr_zzjg text, -- 行政相对人代码_3(组织机构代码)
  cf_xdr_swdj text, -- 行政相对人代码_4(税务登记号)
  cf_xdr_sydw text, -- 行政相对人代码_5(事业单位证书号)
  cf_xdr_shzz text, -- 行政相对人代码_6(社会组织登记证号)
  cf_frdb text, -- 法定代表人
  cf_fr_zjlx text, -- 法定代表人证件类型
  cf_wsh text, -- 行政处罚决定书文号
  cf_wfxw text, -- 违法行为类型
  cf_sy text, -- 违法事实
  cf_yj text, -- 处罚依据
  cf_cflb text, -- 处罚类别
  cf_nr text, -- 处罚内容
  cf_nr_fk text, -- 罚款金额(万元)
  cf_nr_wfff text, -- 没收违法所得、没收非法财物的金额(万元)
  cf_nr_zkdx text, -- 暂扣或吊销证照名称及编号
  cf_jdrq text, -- 处罚决定日期
  cf_yxq text, -- 处罚有效期
  cf_gsjzq text, -- 公示截止期
  cf_cfjg text, -- 处罚机关
  cf_cfjgdm text, -- 处罚机关统一社会信用代码
  cf_sjly text, -- 数据来源单位
  cf_sjlydm text, -- 数据来源单位统一社会信用代码
  bz text, -- 备注
  gs_batch_id text NOT NULL, -- the gongshi batch that wrote the row
  gs_position integer NOT NULL, -- the row's place in that batch (1-based)
  gs_operation text NOT NULL CHECK (gs_operation IN ('publish', 'correct', 'republish', 'withdraw')),
  gs_status smallint NOT NULL DEFAULT 1 CHECK (gs_status IN (0, 1)), -- 1 published, 0 withdrawn (frontdb_withdrawal: flag)
  gs_written_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS frxzcf_gs_batch ON frxzcf (gs_batch_id, gs_position);

CREATE TABLE IF NOT EXISTS zrrxzcf ( -- 行政处罚（自然人）（creditchina-henan-zhengzhou feed penalty-natural）
  gs_key text PRIMARY KEY, -- SHA-256 of the record's decision key (决定书文号|相对人名称), never the key itself
  cf_xdr_mc text, -- 行政相对人名称
  cf_xdr_lb text, -- 行政相对人类别
  cf_xdr_zjlx text, -- 证件类型
  cf_wsh text, -- 行政处罚决定书文号
  cf_wfxw text, -- 违法行为类型
  cf_sy text, -- 违法事实
  cf_yj text, -- 处罚依据
  cf_cflb text, -- 处罚类别
  cf_nr text, -- 处罚内容
  cf_nr_fk text, -- 罚款金额(万元)
  cf_nr_wfff text, -- 没收违法所得、没收非法财物的金额(万元)
  cf_nr_zkdx text, -- 暂扣或吊销证照名称及编号
  cf_jdrq text, -- 处罚决定日期
  cf_yxq text, -- 处罚有效期
  cf_gsjzq text, -- 公示截止期
  cf_cfjg text, -- 处罚机关
  cf_cfjgdm text, -- 处罚机关统一社会信用代码
  cf_sjly text, -- 数据来源单位
  cf_sjlydm text, -- 数据来源单位统一社会信用代码
  bz text, -- 备注
  gs_batch_id text NOT NULL, -- the gongshi batch that wrote the row
  gs_position integer NOT NULL, -- the row's place in that batch (1-based)
  gs_operation text NOT NULL CHECK (gs_operation IN ('publish', 'correct', 'republish', 'withdraw')),
  gs_status smallint NOT NULL DEFAULT 1 CHECK (gs_status IN (0, 1)), -- 1 published, 0 withdrawn (frontdb_withdrawal: flag)
  gs_written_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS zrrxzcf_gs_batch ON zrrxzcf (gs_batch_id, gs_position);

CREATE TABLE IF NOT EXISTS frxzxk ( -- 行政许可（法人及非法人组织、个体工商户）（creditchina-henan-zhengzhou feed permit-legal）
  gs_key text PRIMARY KEY, -- SHA-256 of the record's decision key (决定书文号|相对人名称), never the key itself
  xk_xdr_mc text, -- 行政相对人名称
  xk_xdr_lb text, -- 行政相对人类别
  xk_xdr_shxym text, -- 行政相对人代码_1(统一社会信用代码)
  xk_xdr_gszc text, -- 行政相对人代码_2(工商注册号)
  xk_xdr_zzjg text, -- 行政相对人代码_3(组织机构代码)
  xk_xdr_swdj text, -- 行政相对人代码_4(税务登记号)
  xk_xdr_sydw text, -- 行政相对人代码_5(事业单位证书号)
  xk_xdr_shzz text, -- 行政相对人代码_6(社会组织登记证号)
  xk_frdb text, -- 法定代表人
  xk_fr_zjlx text, -- 法定代表人证件类型
  xk_xkws text, -- 行政许可决定文书名称
  xk_wsh text, -- 行政许可决定文书号
  xk_xklb text, -- 许可类别
  xk_xkzs text, -- 许可证书名称
  xk_xkbh text, -- 许可编号
  xk_nr text, -- 许可内容
  xk_jdrq text, -- 许可决定日期
  xk_yxqz text, -- 有效期自
  xk_yxqzi text, -- 有效期至
  xk_xkjg text, -- 许可机关
  xk_xkjgdm text, -- 许可机关统一社会信用代码
  xk_zt text, -- 当前状态
  xk_lydw text, -- 数据来源单位
  xk_lydwdm text, -- 数据来源单位统一社会信用代码
  bz text, -- 备注
  gs_batch_id text NOT NULL, -- the gongshi batch that wrote the row
  gs_position integer NOT NULL, -- the row's place in that batch (1-based)
  gs_operation text NOT NULL CHECK (gs_operation IN ('publish', 'correct', 'republish', 'withdraw')),
  gs_status smallint NOT NULL DEFAULT 1 CHECK (gs_status IN (0, 1)), -- 1 published, 0 withdrawn (frontdb_withdrawal: flag)
  gs_written_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS frxzxk_gs_batch ON frxzxk (gs_batch_id, gs_position);

CREATE TABLE IF NOT EXISTS zrrxzxk ( -- 行政许可（自然人）（creditchina-henan-zhengzhou feed permit-natural）
  gs_key text PRIMARY KEY, -- SHA-256 of the record's decision key (决定书文号|相对人名称), never the key itself
  xk_xdr_mc text, -- 行政相对人名称
  xk_xdr_lb text, -- 行政相对人类别
  xk_xdr_zjlx text, -- 证件类型
  xk_xkws text, -- 行政许可决定文书名称
  xk_wsh text, -- 行政许可决定文书号
  xk_xklb text, -- 许可类别
  xk_xkzs text, -- 许可证书名称
  xk_xkbh text, -- 许可编号
  xk_nr text, -- 许可内容
  xk_jdrq text, -- 许可决定日期
  xk_yxqz text, -- 有效期自
  xk_yxqzi text, -- 有效期至
  xk_xkjg text, -- 许可机关
  xk_xkjgdm text, -- 许可机关统一社会信用代码
  xk_zt text, -- 当前状态
  xk_lydw text, -- 数据来源单位
  xk_lydwdm text, -- 数据来源单位统一社会信用代码
  bz text, -- 备注
  gs_batch_id text NOT NULL, -- the gongshi batch that wrote the row
  gs_position integer NOT NULL, -- the row's place in that batch (1-based)
  gs_operation text NOT NULL CHECK (gs_operation IN ('publish', 'correct', 'republish', 'withdraw')),
  gs_status smallint NOT NULL DEFAULT 1 CHECK (gs_status IN (0, 1)), -- 1 published, 0 withdrawn (frontdb_withdrawal: flag)
  gs_written_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS zrrxzxk_gs_batch ON zrrxzxk (gs_batch_id, gs_position);

CREATE TABLE IF NOT EXISTS gongshi_batch ( -- one row per batch committed: the receipt
  batch_id text PRIMARY KEY,
  portal text NOT NULL,
  feed text NOT NULL,
  table_name text NOT NULL,
  operation text NOT NULL,
  records integer NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);

