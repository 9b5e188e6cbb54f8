"""The chemistry assistant: tools find the facts, the model phrases them, checks hold it to them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from stages.assistant_options import Phrasing
from stages.backends.base import BackendError, BackendTimeout, BackendUnavailable
from stages.config import BackendConfig, get_settings
from stages.echo import note_instructions
from stages.messages import Message
from stages.reply import CheckResult, Status
from stages.retrieval import FIELD, Retrieval, Retriever, citations_retrieved, gather, strip_citations, with_passages
from stages.stage import Assistant, Detection, Draft, EarlyExit, RunContext, repair_notes

from assistants.chem.answer import compose, facts_for_prompt, number_tag, tagged_value
from assistants.chem.calc.check import claims_check, computed_check, stated
from assistants.chem.bindings import check_bindings
from assistants.chem.checks import check_reaction_claims, chem_checks
from assistants.chem.coverage import check_coverage, choice_check, unchecked_parts
from assistants.chem.draft import parse_draft
from assistants.chem.facts import ChemFacts, gather_facts
from assistants.chem.profiles import profile_for
from assistants.chem.reactions.chat import reaction_unchecked
from assistants.chem.store import CompoundStore, get_store
from assistants.chem.structured import (
    answer_numbers_check, answer_sentence_check, draft_model, draft_tokens, filled_fields, render, schema_check, schema_facts,
    schema_instructions,
)
from assistants.general.assistant import answer_checks
from assistants.knowledge.bases import retriever_for
from assistants.knowledge.chroma import KnowledgeConfig
from assistants.limits import require_question

SYSTEM_PROMPT = (
    "You are tristage-chem, a careful chemistry assistant. Use only the facts from tools below for "
    "structures, names, formulas, masses and property values; never invent a name or a structure. "
    "If the facts do not cover something, say you do not know."
)
_FIELDS: dict[str, str] = {
    "name_to_smiles": "Answer: <one sentence giving the SMILES>\nSMILES: <SMILES>\nFormula: <formula>",
    "smiles_to_name": "Answer: <one sentence giving the name>\nName: <IUPAC name, or 'not in the compound store'>\nFormula: <formula>",
    "properties": "Answer: <one sentence answering the question>\nFormula: <formula>\nMolecular weight: <value> g/mol\n<Property>: <value with unit>",
    "describe": "Answer: <two or three sentences describing the molecule>\nName: <IUPAC name>\nFormula: <formula>",
    "reaction": "Answer: <one or two sentences>\nProduct: <product SMILES, or 'unknown'>",
    "validity": "Answer: <one sentence with the reason>\nValid: <yes or no>",
    "computed": "Answer: <one sentence giving the computed answer with its value and unit>",
    "general": "Answer: <a short answer>",
    "choice": "Answer: <the letter of the one option you choose>. <one sentence why>",
}
_OUT_OF_SCOPE = (
    "I am the chemistry assistant: I answer questions about molecules, names, structures, formulas, "
    "masses, properties and reactions. This question is outside that scope."
)
_REFUSAL = (
    "I can't help with making, obtaining or using chemical-weapon agents or their precursors ({why}). "
    "I can answer questions about their identity, properties, detection or history."
)


def grounded(facts: ChemFacts | None) -> bool:
    """Whether the tools answer every asked part, so the draft restates their facts: the calls the shipped
    adapter was trained on. A free answer (an explanation, a calculation or option no tool settles) is
    asked of the base model, which the adapter's card-copying habit would only garble."""
    return facts is not None and facts.task not in ("general", "out_of_scope") and not facts.unanswered


class ChemAssistant(Assistant):
    name = "chem"
    description = "Chemistry chat grounded by RDKit, OPSIN and a PubChem-derived compound store."
    system_prompt = SYSTEM_PROMPT

    def __init__(self, phrasing: Phrasing | None = None, store: CompoundStore | None = None,
                 retriever: Retriever | None = None) -> None:
        self.phrasing: Phrasing = phrasing or get_settings().assistants.chem.options.phrasing
        self._store = store
        self.retriever = retriever or retriever_for("chem")  # compound records and user documents

    @property
    def store(self) -> CompoundStore:
        if self._store is None:
            self._store = get_store()
        return self._store

    @staticmethod
    def facts(ctx: RunContext) -> ChemFacts | None:
        data = ctx.detection.facts
        return ChemFacts.model_validate(data) if data.get("task") else None

    def detect(self, ctx: RunContext) -> Detection:
        question = require_question(ctx.request.last_user_text)
        if not ctx.request.options.tools:
            return Detection(task="chat", summary="tools off: the model answers alone")
        facts = gather_facts(question, self.store, online=get_settings().pubchem_online)
        data = facts.model_dump(mode="json")
        summary = f"{facts.task}: {len(facts.molecules)} molecule(s), {len(facts.unresolved)} unresolved"
        early = self._early_exit(facts)
        return Detection(task=facts.task, facts=data, summary=summary, early=early)

    def _early_exit(self, facts: ChemFacts) -> EarlyExit | None:
        if facts.safety.refuse:
            return EarlyExit(status=Status.REFUSED, text=_REFUSAL.format(why=facts.safety.reason), reason=facts.safety.reason)
        if facts.task == "out_of_scope":
            return EarlyExit(status=Status.REFUSED, text=_OUT_OF_SCOPE, reason="out of scope for the chemistry assistant")
        if facts.unresolved and not (facts.molecules or facts.formulas or facts.reactions):
            text = compose(facts)
            if facts.task == "validity":  # "is this valid SMILES?" answered in full by RDKit's verdict
                return EarlyExit(status=Status.VERIFIED, text=text, checks=self._checks(text, facts))
            names = ", ".join(item.query for item in facts.unresolved)
            return EarlyExit(status=Status.UNVERIFIED, text=text, reason=f"could not resolve: {names}")
        return None

    def prompt(self, ctx: RunContext, answer_format: str | None = None, facts_text: str | None = None) -> list[Message]:
        """The system prompt (format, then the facts block: `facts_text`, else every tool fact), the
        history and the question."""
        facts = self.facts(ctx)
        task = facts.task if facts else "general"
        fields = _FIELDS["choice"] if facts is not None and facts.request is not None and facts.request.options else (
            _FIELDS.get(task, _FIELDS["general"]))
        answer_format = answer_format or f"Answer in labelled lines:\n{fields}"
        system = f"{self.system_prompt}\n\nAnswer format:\n{answer_format}"
        if facts is not None:
            system = f"{system}\n\nFacts from tools (trust these over memory):\n{facts_text or facts_for_prompt(facts)}"
        system += repair_notes(ctx.feedback)
        messages = [Message(role="system", content=system), *ctx.request.history]
        messages.append(Message(role="user", content=ctx.request.last_user_text))
        return messages

    def reason(self, ctx: RunContext) -> Draft:
        if self.phrasing == "template" and (tools := self.tools_draft(ctx)) is not None:
            return tools
        facts = self.facts(ctx)
        settings = get_settings().backend_for("chem")
        profile = profile_for(BackendConfig(model=ctx.backend.model, profile=settings.profile))
        retrieval = gather(self.retriever, ctx.request.last_user_text, KnowledgeConfig.from_settings().top_k,
                           ctx.request.options.retrieval)
        schema = draft_model(facts) if facts is not None and self._structured(ctx) else None
        free = profile.params().model_copy(update={"adapter": grounded(facts)})
        if schema is None:
            completion = ctx.call_model(with_passages(self.prompt(ctx), retrieval), free)
            draft = self.parse(completion.text, ctx)
        else:
            messages = with_passages(self.prompt(ctx, schema_instructions(facts), schema_facts(facts)), retrieval)  # type: ignore[arg-type]
            params = free.model_copy(update={"json_schema": schema.model_json_schema(),
                                               "max_tokens": min(free.max_tokens, draft_tokens(facts))})  # type: ignore[arg-type]
            try:
                completion = ctx.call_model(messages, params, stream=False)
            except (BackendTimeout, BackendUnavailable):
                raise
            except BackendError as exc:  # the server rejected the schema: a free draft, parsed leniently
                completion = ctx.call_model(with_passages(self.prompt(ctx), retrieval), free)
                draft = self.parse(completion.text, ctx)
                draft.fields["schema_rejected"] = " ".join(str(exc).split())
            else:
                draft = self._structured_draft(completion.text, schema, facts, ctx)  # type: ignore[arg-type]
        draft.fields["finish_reason"] = completion.finish_reason
        draft.fields[FIELD] = retrieval.model_dump(mode="json")
        return draft

    @staticmethod
    def _structured(ctx: RunContext) -> bool:
        """Schema-constrained drafts where the backend can constrain decoding (unless configured off)."""
        return get_settings().assistants.chem.options.structured and ctx.backend.capabilities.json_schema

    def _structured_draft(self, text: str, schema: type[BaseModel], facts: ChemFacts, ctx: RunContext) -> Draft:
        """The draft rendered from the validated fields; the raw text, leniently parsed, when they do not validate."""
        try:
            filled = filled_fields(text, schema)
        except BackendError as exc:
            draft = self.parse(text, ctx)
            draft.parse_error = draft.fields["schema_error"] = str(exc)
            return draft
        draft = self.parse(render(filled, facts), ctx)
        draft.fields["structured"] = filled.model_dump(mode="json")
        return draft

    def tools_draft(self, ctx: RunContext) -> Draft | None:
        facts = self.facts(ctx)
        if facts is None:
            return None
        draft = self.parse(compose(facts), ctx)
        draft.author = "tools"
        return draft

    def parse(self, raw: str, ctx: RunContext) -> Draft:
        text = raw.strip()
        parsed = parse_draft(strip_citations(text))
        error = None if parsed.labels else "no labelled lines; checked as free text"
        return Draft(raw=text, fields=parsed.model_dump(mode="json"), parse_error=error)

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        checks = [*answer_checks(draft), citations_retrieved(draft.raw, Retrieval.of(draft).passages)]
        if "schema_error" in draft.fields:
            checks.append(schema_check(draft.fields["schema_error"]))
        facts = self.facts(ctx)
        if "structured" in draft.fields and facts is not None:
            filled = draft.fields["structured"]
            checks += [answer_numbers_check(filled, facts), answer_sentence_check(filled, facts)]
        if facts is None:
            return checks
        return checks + self._checks(draft.raw, facts)

    def _checks(self, raw: str, facts: ChemFacts) -> list[CheckResult]:
        """Every claim in the text against the facts, and whether it answers what was asked."""
        text = strip_citations(raw)
        parsed = parse_draft(text)
        checks = [*chem_checks(parsed, facts, self.store, text), check_bindings(text, facts, self.store), *check_reaction_claims(text, parsed, facts)]
        optional = [claims_check(text, facts.molecules, facts.question, facts.computed), check_coverage(parsed, text, facts, self.store),
                    choice_check(text, facts), computed_check(text, facts.computed, facts.question)]
        return [*checks, *(c for c in optional if c is not None)]

    def instructions(self, ctx: RunContext) -> list[str]:
        facts = self.facts(ctx)
        if facts is None:
            return [self.system_prompt, *_FIELDS.values(), *ctx.feedback]
        structured = [schema_instructions(facts)] if draft_model(facts) is not None else []
        told = compose(facts)
        return [self.system_prompt, *_FIELDS.values(), *structured, *(run for f in ctx.feedback for run in note_instructions(f, told))]

    def unchecked(self, draft: Draft, ctx: RunContext) -> list[str]:
        facts = self.facts(ctx)
        if facts is None:
            return ["the whole answer: the chemistry tools were off"]
        parsed = parse_draft(strip_citations(draft.raw))
        reaction = reaction_unchecked(draft.raw, parsed.smiles, parsed.labels.get("product", ""), facts.prediction)
        return [*unchecked_parts(facts, draft.author), *reaction]

    def correct(self, draft: Draft, failed: list[CheckResult], ctx: RunContext) -> str | None:
        facts = self.facts(ctx)
        return compose(facts) if facts is not None else None

    def finish(self, text: str, ctx: RunContext) -> str:
        """A reply stating the one computed number a tagged question asks for ends with it in the
        [ANSWER]…[/ANSWER] form, whoever phrased it (harnesses read "−2" next to "Al(H2PO4)3" as 3)."""
        facts = self.facts(ctx)
        tagged = tagged_value(facts) if facts is not None else None
        if tagged is None or "[ANSWER]" in text or not stated(tagged[0], text):
            return text
        return f"{text}\n\n{number_tag(tagged[1])}"

    def result(self, draft: Draft | None, ctx: RunContext) -> dict[str, Any]:
        facts = self.facts(ctx)
        if facts is None:
            return {"task": ctx.detection.task, "molecules": [], "facts": {}, "refusal": None}
        molecules = [
            m.model_dump(mode="json", exclude={"properties"}) | {"properties": [p.model_dump(mode="json") for p in m.properties]}
            for m in facts.molecules
        ]
        return {
            "task": facts.task,
            "molecules": molecules,
            "facts": {
                "formulas": [f.model_dump(mode="json") for f in facts.formulas],
                "reactions": [r.model_dump(mode="json") for r in facts.reactions],
                "prediction": facts.prediction.model_dump(mode="json") if facts.prediction is not None else None,
                "unresolved": [u.model_dump(mode="json") for u in facts.unresolved],
                "functional_groups": {k: [g.model_dump() for g in v] for k, v in facts.groups.items()},
                "requested": facts.requested,
                "notes": facts.notes,
                "safety_hits": [h.model_dump() for h in facts.safety.hits],
            },
            "refusal": facts.safety.reason or None,
            "phrasing": self.phrasing,
        }
