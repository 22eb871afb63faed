"""Matching rules against facts: equalities, any-of lists and version bounds, nothing more."""

from __future__ import annotations

# `string.Formatter().parse` is this function: without importing `string`, whose
# Template compiles its pattern at import (0.6% of a one-file lint).
from _string import formatter_parser
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from types import CodeType

from lockwise.core.code_store import CodeStore
from lockwise.core.types import LockMode
from lockwise.effects.refused import REFUSAL_FACTS
from lockwise.rules.model import Rule

#: How a compiled condition compares one fact (see `_compile`).
_MIN, _MAX, _ANY_OF, _TRUTHY, _EQUALS = range(5)
_MISSING = object()


def reports_refusal(rule: Rule) -> bool:
    """Whether `rule` reports a refusal: a `when` alternative asks for one of
    `REFUSAL_FACTS`."""
    return any(_asks_refusal(alternative) for alternative in rule.when)


def _asks_refusal(alternative: dict) -> bool:
    """Whether a `when` alternative asks for one of `REFUSAL_FACTS` to be true. (Asked of
    each alternative's few conditions, not of every refusal fact: each uncached run asks it
    of every alternative of the catalog.)"""
    return any(value is True and fact in _REFUSAL_FACTS for fact, value in alternative.items())


_REFUSAL_FACTS = frozenset(REFUSAL_FACTS)


#: One `when` alternative of a rule, compiled: the rule, the actions it names (None: any
#: action), its other conditions (`_compile`), and whether it asks for a refusal.
_Entry = tuple[Rule, "tuple[str, ...] | None", tuple, bool]


def _entries(rules: tuple[Rule, ...]) -> tuple[_Entry, ...]:
    """Every `when` alternative of `rules`, in order, compiled once (an alternative naming
    its actions is compiled without them: the index is by action, not compared again)."""
    out: list[_Entry] = []
    for rule in rules:
        for alternative in rule.when:
            action = alternative.get("action")
            if action is None:
                out.append((rule, None, _compile(alternative), _asks_refusal(alternative)))
            else:
                out.append((rule, tuple(action) if isinstance(action, list) else (action,),
                            _compile({k: v for k, v in alternative.items() if k != "action"}),
                            _asks_refusal(alternative)))
    return tuple(out)


class RuleIndex:
    """Rules grouped by the action they match, so each action is tested only against its own.

    Conditions are compiled once into (fact, comparison, expected) triples, and the rules of
    each action into one Python function when that action is first judged (`_matcher`):
    matching runs for every action of every statement, and an interpreter of the triples was
    the largest piece of judging.
    """

    def __init__(self, rules: Iterable[Rule], known: Iterable[str] = (),
                 entries: tuple[_Entry, ...] | None = None):
        """`entries`: the rules' compiled `when` alternatives, when another index has made
        them (`running` keeps the ones asking for no refusal); else compiled here."""
        self.rules = tuple(rules)
        self.by_id = {rule.id: rule for rule in self.rules}
        #: Every rule id of the catalog these were chosen from (those --select or --ignore
        #: left out too): a directive naming another names no rule.
        self.known_ids = frozenset(known) | self.by_id.keys()
        self._entries = _entries(self.rules) if entries is None else entries
        by_action: dict[str, list[tuple[Rule, tuple]]] = defaultdict(list)
        any_action: list[tuple[Rule, tuple]] = []
        for rule, actions, checks, _ in self._entries:
            if actions is None:
                any_action.append((rule, checks))
                continue
            for name in actions:
                by_action[name].append((rule, checks))
        #: The fact (column, else table) naming the one object a rule's message is about: a
        #: statement doing the same to several columns or tables gets one finding for each,
        #: naming its own (`Judge.judge`).
        self.named_by = {rule.id: named for rule in self.rules
                         if (named := _names_one(rule.message + rule.message_mysql))}
        self._any_action = tuple(any_action)
        self._by_action = {name: (*found, *any_action) for name, found in by_action.items()}
        self._matchers: dict[str, Callable[[dict], list[Rule]]] = {}
        self._alone: dict[str, RuleIndex] = {}
        self._refusals: RuleIndex | None = None
        self._running: RuleIndex | None = None
        self._once_settings: dict[str, str] | None = None
        self._reads: dict[str, bool] = {}

    def matching(self, facts: dict) -> list[Rule]:
        """Rules whose `when` holds for `facts` (each rule at most once, in index order)."""
        action = facts.get("action", "")
        matcher = self._matchers.get(action)
        if matcher is None:
            matcher = self._matchers[action] = _matcher(
                self._by_action.get(action, self._any_action))
        return matcher(facts)

    def alone(self, rule: Rule) -> RuleIndex:
        """An index of `rule` only, to ask whether it matches other facts. Kept with this
        index, so its matchers are built once a run, not once a migration."""
        found = self._alone.get(rule.id)
        if found is None:
            found = self._alone[rule.id] = RuleIndex((rule,))
        return found

    @property
    def refusals(self) -> RuleIndex:
        """An index of the rules that report a refusal (a `when` alternative asking for one of
        `REFUSAL_FACTS`): the only ones to judge a statement the effect model knows PostgreSQL
        refuses, whose locks, rewrites and builds never happen (docs/effect-model.md,
        "Refused statements"). Built once, kept with this index."""
        if self._refusals is None:
            self._refusals = RuleIndex(filter(reports_refusal, self.rules), self.known_ids)
        return self._refusals


    @property
    def running(self) -> RuleIndex:
        """An index of the `when` alternatives that ask for no refusal fact to be true: what
        can match the facts of an action the effect model says nothing refuses (no fact of
        `REFUSAL_FACTS` of it is true, and no fact lint adds to an action's is one of them).
        Two thirds of an action's candidates ask for a refusal, and half the facts its
        matcher reads are theirs. The same rules in the same order, so a rule's finding
        comes where the whole index puts it. Built once, kept with this index."""
        if self._running is None:
            self._running = RuleIndex(self.rules, self.known_ids,
                                      tuple(entry for entry in self._entries if not entry[3]))
        return self._running

    @property
    def once_settings(self) -> dict[str, str]:
        """Rule id -> the setting one SET of which covers its later findings
        (`one_set_covers`), "" for a rule reported once per transaction, of the rules that
        are either (`lint.OncePerTransaction`). Made once, kept with this index: every
        migration asks."""
        if self._once_settings is None:
            self._once_settings = {r.id: r.one_set_covers for r in self.rules
                                   if r.one_set_covers or r.once_per_transaction}
        return self._once_settings


    def reads(self, fact: str) -> bool:
        """Whether a rule of this index reads `fact` (`rule_reads`). A fact no rule reads need
        not be computed (`lint.effect_facts`' `locks_text`). Kept per fact; for one of
        `ON_DEMAND_FACTS`, from each rule's answer stored with it (`Rule.reads_on_demand`):
        asked of every rule's texts on each uncached run, it cost 1% of a one-file lint."""
        found = self._reads.get(fact)
        if found is None:
            found = self._reads[fact] = any(
                fact in rule.reads_on_demand for rule in self.rules
            ) if fact in ON_DEMAND_FACTS else any(rule_reads(rule, fact) for rule in self.rules)
        return found


#: The facts lint computes only when a rule reads them (`lint.effect_facts`' `locks_text`).
ON_DEMAND_FACTS = ("locks_text",)


def rule_reads(rule: Rule, fact: str) -> bool:
    """Whether `rule` reads `fact`: a `when` alternative asks for it, or one of its texts
    (message, why, safe alternative, each dialect's) names it."""
    return any(fact in alternative for alternative in rule.when) or any(
        type(text) is str and fact in text and _names_word(text, fact)
        for text in map(rule.__getattribute__, rule.__slots__))


def _names_word(text: str, word: str) -> bool:
    """Whether `word` stands in `text` as a word of its own (`locks_text`, not the end of
    `advisory_locks_text`). Asked only of a text holding it: a search of every rule's texts
    by a regular expression cost more than the fact it spared; and without `re`, a run that
    compiles no pattern (tests/test_cold_start.py) parses none for this either."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if not (start and _word_char(text[start - 1])) and \
                not (end < len(text) and _word_char(text[end])):
            return True
        start = text.find(word, start + 1)
    return False


def _word_char(char: str) -> bool:
    """Whether `char` is one `re`'s `\\w` matches."""
    return char.isalnum() or char == "_"


def _names_one(message: str) -> str | None:
    """The fact naming the object a message is about: `column` when it names one, else
    `table`; None for neither."""
    return next((fact for fact in ("column", "table") if f"{{{fact}}}" in message), None)


def _compile(condition: dict) -> tuple[tuple[str, int, object], ...]:
    """A `when` mapping as (fact, comparison, expected) triples.

    - `pg_version_min` / `pg_version_max`: bounds on the `pg_version` fact (0 when absent);
    - a list: the fact equals one of them (or, for a list fact, shares one with them);
    - a bool: for a list fact, whether it is non-empty; else equality;
    - anything else: equality. A missing fact never matches (except version bounds).
    """
    out = []
    for key, expected in condition.items():
        if key == "lock":
            expected = _lock_by_its_shown_name(expected)
        if key == "pg_version_min":
            out.append(("pg_version", _MIN, expected))
        elif key == "pg_version_max":
            out.append(("pg_version", _MAX, expected))
        elif isinstance(expected, list):
            out.append((key, _ANY_OF, frozenset(expected)))
        elif isinstance(expected, bool):
            out.append((key, _TRUTHY, expected))
        else:
            out.append((key, _EQUALS, expected))
    return tuple(out)


def _lock_by_its_shown_name(expected: object) -> object:
    """A `when` value of the `lock` fact with each pg_locks name (`AccessExclusiveLock`) put as
    the fact gives it since fix-small80, by the documentation's name (`ACCESS EXCLUSIVE`): a
    team rule written for the old fact still matches, rather than never again."""
    shown = {mode.pg_name: mode.sql_name for mode in LockMode}
    if isinstance(expected, list):
        return [shown.get(value, value) if isinstance(value, str) else value
                for value in expected]
    return shown.get(expected, expected) if isinstance(expected, str) else expected


def _any_of(actual: object, expected: frozenset) -> bool:
    """The fact is one of `expected` (a list fact: has one of them)."""
    if actual is _MISSING:
        return False
    if isinstance(actual, (list, tuple)):
        return not expected.isdisjoint(actual)
    try:
        return actual in expected
    except TypeError:  # unhashable: equal to none of the listed values
        return False


#: How each comparison reads in a compiled matcher (`v` is the fact, `e` the expected value;
#: `_TRUTHY`'s, below).
_TESTS = {
    _EQUALS: "{v} == {e}",  # a missing fact equals nothing
    _MIN: "not (0 if {v} is _MISSING else {v}) < {e}",
    _MAX: "not (0 if {v} is _MISSING else {v}) > {e}",
    _ANY_OF: "_any_of({v}, {e})",
}
#: A bool against a list fact: whether the list is non-empty is the bool; against any other
#: fact, equality (a missing fact matches neither). A fact that is itself the expected bool,
#: or its opposite (`n`: most facts are one of them), is answered by identity, before
#: `isinstance` is called. Both bools are bound as the matcher's constants, not written in
#: its source: rules of one shape share one stored code whatever their values.
_TRUTHY_TEST = ("({v} is {e} or ({v} is not _MISSING and {v} is not {n} and "
                "(bool({v}) == {e} if isinstance({v}, _SEQUENCES) else {v} == {e})))")


def _matcher(candidates: tuple[tuple[Rule, tuple], ...]) -> Callable[[dict], list[Rule]]:
    """One function testing `candidates` (rule, compiled condition) in order, as Python code:
    each fact is read once, each rule is a single `if`, and a rule reached through several
    alternatives is listed once."""
    names: dict[str, str] = {}  # fact -> its local variable
    constants: dict[str, object] = {"_MISSING": _MISSING, "_any_of": _any_of,
                                    "_SEQUENCES": (list, tuple)}
    tests = []
    for i, (rule, checks) in enumerate(candidates):
        parts = []
        for j, (key, how, expected) in enumerate(checks):
            variable = names.setdefault(key, f"v{len(names)}")
            constants[f"e{i}_{j}"] = expected
            if how == _TRUTHY:
                constants[f"n{i}_{j}"] = not expected
                parts.append(_TRUTHY_TEST.format(v=variable, e=f"e{i}_{j}", n=f"n{i}_{j}"))
            else:
                parts.append(_TESTS[how].format(v=variable, e=f"e{i}_{j}"))
        constants[f"r{i}"] = rule
        tests.append((" and ".join(parts) or "True", f"r{i}", rule))
    # Rules are compared by identity: comparing them field by field is slow (and they hold
    # dicts, so they cannot be hashed).
    uses = Counter(id(rule) for _, _, rule in tests)
    lines = ["def match(facts):", "    get = facts.get"]
    lines += [f"    {v} = get({key!r}, _MISSING)" for key, v in names.items()]
    lines.append("    out = []")
    for test, name, rule in tests:
        lines.append(f"    if {test}:")
        if uses[id(rule)] > 1:
            lines.append(f"        if all(r is not {name} for r in out):")
            lines.append(f"            out.append({name})")
        else:
            lines.append(f"        out.append({name})")
    lines.append("    return out")
    exec(_compiled("\n".join(lines)), constants)  # noqa: S102 - built above from rule data
    return constants["match"]  # type: ignore[return-value]


#: Matchers compiled by earlier runs. Compiling is about 0.7 ms a matcher, 20-45 ms of a
#: run that judges fifty actions. The source holds no rule data (that is bound as the
#: function's globals), so equal sources are equal code, whichever rules they came from.
MATCHERS = CodeStore("matchers", limit=2000)


def _compiled(source: str) -> CodeType:
    return MATCHERS.compiled(source, "<rule matcher>")


def _fact_text(src: dict, key: str) -> object:
    """The value a template's `{key}` shows: a list as a comma list, None as nothing, a
    missing fact as `{key}` itself (visible in the message rather than an error)."""
    if key in src:
        value = src[key]
        if isinstance(value, (list, tuple)):
            return ", ".join(map(str, value))
        return "" if value is None else value
    if key.endswith("_sql") and key[:-4] in src:
        return _fact_text(src, key[:-4])  # no as-written form: fall back to the qualified name
    return "{" + key + "}"


class _Facts(dict):
    """Template values for `str.format_map` (see `_fact_text`), converted on demand: a
    template names two or three of the forty-odd facts."""

    __slots__ = ("src",)

    def __init__(self, src: dict):
        super().__init__()
        self.src = src

    def __missing__(self, key: str) -> object:
        return _fact_text(self.src, key)


#: Each template cut once into (literal text, field name or None) pairs; None for a template
#: `render` leaves to `str.format_map` (a format spec, a conversion, an attribute or an index
#: in a field, or braces it cannot read). Cutting every message again for each finding was
#: most of rendering it.
_template_pieces: dict[str, tuple[tuple[str, str | None], ...] | None] = {}


def _pieces(template: str) -> tuple[tuple[str, str | None], ...] | None:
    try:
        return _template_pieces[template]
    except KeyError:
        pass
    try:
        parsed = list(formatter_parser(template))
    except ValueError:
        parsed = None
    pieces = None if parsed is None or any(
        key is not None and (spec or conversion or not key.isidentifier())
        for _literal, key, spec, conversion in parsed) else \
        tuple((literal, key) for literal, key, _spec, _conversion in parsed)
    _template_pieces[template] = pieces
    return pieces


def fields_of(template: str) -> tuple[str, ...] | None:
    """The facts `template` shows, when it shows them plainly (`{key}`: `_pieces`), else None."""
    pieces = _pieces(template)
    return None if pieces is None else tuple(key for _literal, key in pieces if key is not None)


def render(template: str, facts: dict) -> str:
    """Fill a rule's message or `instead` with the statement's own names."""
    if "{" not in template:
        return template
    pieces = _pieces(template)
    if pieces is not None:
        # What `format_map` writes for each field: `format(value, "")`.
        return "".join([literal if key is None else literal + format(_fact_text(facts, key), "")
                        for literal, key in pieces])
    try:
        return template.format_map(_Facts(facts))
    except (ValueError, IndexError, KeyError, AttributeError):
        return template
