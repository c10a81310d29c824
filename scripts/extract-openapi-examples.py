#!/usr/bin/env python3
"""Extracts test vectors from Meta's OpenAPI file (MIT) into JSON the Rust tests read.

Usage: scripts/extract-openapi-examples.py [path/to/business-messaging-api_v23.0.yaml]
Writes server/tests/fixtures/meta-openapi/{webhook-examples,send-examples}.json.
Needs PyYAML. Run it again when the OpenAPI file is updated; the output is committed.
"""
import json
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT.parent / "shared/reference/meta-openapi/business-messaging-api_v23.0.yaml"
OUT = ROOT / "server/tests/fixtures/meta-openapi"


def examples(operation):
    content = operation["requestBody"]["content"]["application/json"]
    return {name: example["value"] for name, example in content["examples"].items()}


def main():
    spec = yaml.safe_load(open(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SPEC))
    paths = spec["paths"]
    webhooks = examples(paths["/whatsapp/webhooks"]["post"])
    sends = examples(paths["/{Version}/{Phone-Number-ID}/messages"]["post"])
    for name, data in (("webhook-examples.json", webhooks), ("send-examples.json", sends)):
        (OUT / name).write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{name}: {len(data)} examples")


if __name__ == "__main__":
    main()
