import GongshiCLI

await Gongshi.main()
