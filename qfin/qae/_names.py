"""Names the ``qfin var`` parser lists (no imports: building ``--help`` loads no science)."""

from __future__ import annotations

__all__ = ["CVAR_DEFINITIONS", "VAR_METHOD_NAMES"]

#: CVaR definitions of :func:`qfin.qae.conditional_value_at_risk`.
CVAR_DEFINITIONS = ("rockafellar-uryasev", "tail-conditional")
#: The amplitude-estimation methods of ``qfin var --method`` (:data:`qfin.qae._cli.VAR_METHODS`).
VAR_METHOD_NAMES = ("qae-canonical", "qae-ml", "qae-iterative")
