"""Turn one GX expectation result into an :class:`ExpectationOutcome` with a human message.

The message is what a planner reads in the Dagster UI or an alert, so it names the table
and column, counts the offending rows, states the rule in plain bounds and shows a few
examples: ``expect_column_values_to_be_between on raw.sales.quantity: 3 rows (0.1%)
outside [0, inf), e.g. -5, -2``.
"""

from __future__ import annotations

from typing import Any

from expectations.results import MAX_SAMPLE, ExpectationOutcome, jsonable
from expectations.suites._common import Target


def describe_outcome(validation_result: Any, target: Target) -> ExpectationOutcome:
    """Flatten one ``ExpectationValidationResult`` validated on ``target``."""
    config = validation_result.expectation_config
    kwargs = dict(config.kwargs)
    meta = config.meta or {}
    etype = config.type
    result = validation_result.result or {}
    severity = getattr(config.severity, "value", config.severity) or "critical"
    subject = _subject(target, kwargs)
    head = f"{etype} on {subject}"

    missing = [c for c in _columns(kwargs) if c not in target.frame.columns]
    count = result.get("unexpected_count")
    percent = result.get("unexpected_percent")
    sample = _sample(etype, result, target)
    success = bool(validation_result.success)

    if missing and etype != "expect_table_columns_to_match_set":
        text = f"column {', '.join(missing)} is missing, so this could not be checked"
        success, sample = False, ()
    elif _raised(validation_result):
        text = f"could not be evaluated: {_exception_message(validation_result)}"
        success = False
    elif success:
        text = "passed" + _observed_suffix(result)
    else:
        text = _failure_text(etype, kwargs, result, count, percent, sample, meta)
    return ExpectationOutcome(
        name=str(meta.get("check", etype)),
        expectation_type=etype,
        subject=subject,
        severity="warning" if severity == "warning" else "critical",
        success=success,
        unexpected_count=None if count is None else int(count),
        unexpected_percent=None if percent is None else round(float(percent), 4),
        sample=tuple(sample) if not success else (),
        message=f"{head}: {text}",
    )


def _columns(kwargs: dict[str, Any]) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list") or [])


def _subject(target: Target, kwargs: dict[str, Any]) -> str:
    cols = _columns(kwargs)
    if not cols:
        return target.subject
    if len(cols) == 1:
        return f"{target.subject}.{cols[0]}"
    return f"{target.subject}({', '.join(cols)})"


def _sample(etype: str, result: dict[str, Any], target: Target) -> list[Any]:
    if etype == "expect_table_columns_to_match_set":  # report what is missing
        missing = (result.get("details") or {}).get("mismatched", {}).get("missing") or []
        return [jsonable(m) for m in missing][:MAX_SAMPLE]
    if target.index_columns and result.get("partial_unexpected_index_list"):
        rows = result["partial_unexpected_index_list"][:MAX_SAMPLE]
        return [jsonable(row) for row in rows]
    if "partial_unexpected_list" in result:
        return [jsonable(v) for v in result["partial_unexpected_list"][:MAX_SAMPLE]]
    if "observed_value" in result:
        return [jsonable(result["observed_value"])]
    return []


def _raised(validation_result: Any) -> bool:
    info = validation_result.exception_info or {}
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _exception_message(validation_result: Any) -> str:
    info = validation_result.exception_info or {}
    if "exception_message" in info:
        return str(info["exception_message"])
    for value in info.values():
        if isinstance(value, dict) and value.get("exception_message"):
            return str(value["exception_message"])
    return "unknown error"


def _fmt(value: Any) -> str:
    value = jsonable(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return " ".join(f"{k}={_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "(" + ", ".join(_fmt(v) for v in value) + ")"
    return str(value)


def _interval(kwargs: dict[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    left = "(" if low is None or kwargs.get("strict_min") else "["
    right = ")" if high is None or kwargs.get("strict_max") else "]"
    low_text = "-inf" if low is None else _fmt(low)
    high_text = "inf" if high is None else _fmt(high)
    return f"{left}{low_text}, {high_text}{right}"


def _observed_suffix(result: dict[str, Any]) -> str:
    if "observed_value" in result and not isinstance(result["observed_value"], dict | list):
        return f" (observed {_fmt(result['observed_value'])})"
    return ""


def _examples(sample: list[Any]) -> str:
    return f", e.g. {', '.join(_fmt(v) for v in sample[:5])}" if sample else ""


def _failure_text(
    etype: str,
    kwargs: dict[str, Any],
    result: dict[str, Any],
    count: Any,
    percent: Any,
    sample: list[Any],
    meta: dict[str, Any],
) -> str:
    rows = ""
    if count is not None:
        share = float(percent or 0.0)
        share_text = f"{share:.1f}%" if share >= 0.1 else f"{share:.2g}%"
        unit = meta.get("unit", "row")
        rows = f"{int(count)} {unit}{'' if int(count) == 1 else 's'} ({share_text}) "
    observed = result.get("observed_value")
    if meta.get("failure"):  # a suite's own wording for an aggregate rule
        return f"{rows}{meta['failure']}{_examples(sample)}"
    if etype == "expect_column_values_to_be_between":
        return f"{rows}outside {_interval(kwargs)}{_examples(sample)}"
    if etype == "expect_column_values_to_not_be_null":
        return f"{rows}are null"
    if etype == "expect_column_values_to_be_in_set":
        known = len(kwargs.get("value_set") or [])
        return f"{rows}not among the {known} expected values{_examples(sample)}"
    if etype in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        return f"{rows}share their key with another row{_examples(sample)}"
    if etype == "expect_column_values_to_be_in_type_list":
        if count is None:
            return f"type {observed} is not one of {kwargs.get('type_list')}"
        return f"{rows}have a type not in {kwargs.get('type_list')}{_examples(sample)}"
    if etype == "expect_table_columns_to_match_set":
        return f"missing column(s) {', '.join(map(str, sample)) or '?'}"
    if etype == "expect_table_row_count_to_be_between":
        return f"{_fmt(observed)} rows, outside {_interval(kwargs)}"
    if etype.startswith("expect_column_") and observed is not None:
        stat = etype.removeprefix("expect_column_").split("_to_")[0]
        return f"{stat} {_fmt(observed)} outside {_interval(kwargs)}"
    if etype == "expect_column_pair_values_a_to_be_greater_than_b":
        op = ">=" if kwargs.get("or_equal") else ">"
        rule = f"{kwargs['column_A']} {op} {kwargs['column_B']}"
        return f"{rows}break {rule}{_examples(sample)}"
    return f"{rows}failed{_examples(sample)}".strip()
