"""Every shape of structured chem draft compiles under both of vLLM's structured-output backends
(xgrammar, its default, and guidance), run by the vLLM environment's own python as the server would,
with the whitespace setting the profiles give the server. xgrammar 0.2 aborts on a bounded repetition
over 128, which once made every chem question through vLLM a 500."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assistants.chem.facts import gather_facts
from assistants.chem.store import get_store
from assistants.chem.structured import draft_model
from serve.vllm import COMPACT_JSON
from serve.vllm_env import default_env
from stages.config import Settings
from stages.models import model_dir

pytestmark = pytest.mark.slow

QUESTIONS = [
    "What is the boiling point of acetone?",
    "What is the SMILES of aspirin?",
    "Give the IUPAC name, InChI, InChIKey and CAS number of CCO and CC(=O)O.",
    "What are the molecular weight, melting point and critical temperature of benzene?",
    "What is the molecular formula of caffeine?",
    "Which of these is benzene? A. C6H6 B. C6H12 C. C2H6 D. CH4",
]

COMPILE = """
import json, sys
import llguidance, llguidance.hf, transformers, xgrammar as xg
schemas, tokenizer_dir, compact = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3] == "1"
tokenizer = transformers.AutoTokenizer.from_pretrained(tokenizer_dir)
compiler = xg.GrammarCompiler(xg.TokenizerInfo.from_huggingface(tokenizer))
ll_tokenizer = llguidance.hf.from_tokenizer(tokenizer)
failures = []
for schema in schemas:
    text = json.dumps(schema)
    try:
        compiler.compile_json_schema(text, any_whitespace=not compact,
                                     separators=(",", ":") if compact else None)
    except Exception as exc:
        failures.append(["xgrammar", schema.get("title"), str(exc)[:300]])
    grammar = llguidance.LLMatcher.grammar_from_json_schema(text, defaults={"whitespace_flexible": not compact})
    error = llguidance.LLMatcher.validate_grammar(grammar, ll_tokenizer)
    if error:
        failures.append(["guidance", schema.get("title"), error[:300]])
print(json.dumps({"compiled": len(schemas), "failures": failures}))
"""


def test_every_draft_schema_compiles_under_xgrammar_and_guidance(tmp_path: Path) -> None:
    cache_dir = Settings().cache_dir
    python = default_env(cache_dir).require()
    store = get_store()
    schemas = [model.model_json_schema() for q in QUESTIONS if (model := draft_model(gather_facts(q, store)))]
    assert len(schemas) == len(QUESTIONS)
    path = tmp_path / "schemas.json"
    path.write_text(json.dumps(schemas), encoding="utf-8")
    compact = "1" if COMPACT_JSON.get("disable_any_whitespace") else "0"
    done = subprocess.run([str(python), "-c", COMPILE, str(path), str(model_dir(cache_dir)), compact],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"compiled": len(QUESTIONS), "failures": []}
