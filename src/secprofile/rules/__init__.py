"""Rules: opinions over the model. One rule per module, found by :func:`all_rules`."""

from secprofile.rules.base import CONTROLS, Confidence, FileContext, FlowStep, Hit, Rule, Severity, all_rules, rule, rule_by_code

__all__ = ["CONTROLS", "Confidence", "FileContext", "FlowStep", "Hit", "Rule", "Severity", "all_rules", "rule", "rule_by_code"]
