#!/usr/bin/env python3
"""Writes schemas/xsd/<schema>.xsd from schemas/publication/<schema>.yaml: the structure of an XML
export whose records are <Record> elements under <Records>, one child element per field, named by
the field's column code (CF_* / XK_*), in any order. Required fields must be present; lengths are
checked where the schema gives them. The publication schema stays the source of the rules; the XSD
is the structural check that departments can also run themselves (`xmllint --schema`).

    python3 scripts/make-xsd.py   # after changing a publication schema
"""
import pathlib
from xml.sax.saxutils import escape

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
for source in sorted((root / "schemas/publication").glob("*.yaml")):
    schema = yaml.safe_load(source.read_text(encoding="utf-8"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {escape(schema['title'])} (schema {schema['id']} v{schema['version']}): generated from "
        f"schemas/publication/{source.name} by scripts/make-xsd.py. Do not edit by hand. -->",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">',
        '  <xs:element name="Records">',
        "    <xs:complexType>",
        "      <xs:sequence>",
        '        <xs:element name="Record" minOccurs="0" maxOccurs="unbounded">',
        "          <xs:complexType>",
        "            <xs:all>",
    ]
    for field in schema["fields"]:
        occurs = "1" if field.get("required") else "0"
        lines.append(f'              <xs:element name="{field["code"]}" minOccurs="{occurs}">')
        lines.append(f"                <xs:annotation><xs:documentation>{escape(field['name'])}</xs:documentation></xs:annotation>")
        lines.append("                <xs:simpleType>")
        lines.append('                  <xs:restriction base="xs:string">')
        if "max_length" in field:
            lines.append(f'                    <xs:maxLength value="{field["max_length"]}"/>')
        lines.append("                  </xs:restriction>")
        lines.append("                </xs:simpleType>")
        lines.append("              </xs:element>")
    lines += [
        "            </xs:all>",
        "          </xs:complexType>",
        "        </xs:element>",
        "      </xs:sequence>",
        "    </xs:complexType>",
        "  </xs:element>",
        "</xs:schema>",
    ]
    target = root / "schemas/xsd" / source.name.replace(".yaml", ".xsd")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote", target.relative_to(root))
