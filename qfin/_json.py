"""JSON conversion of the numpy/pandas values that results and CLI payloads carry."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["json_default"]


def json_default(value: Any) -> Any:
    """``default=`` hook for :func:`json.dumps`: numpy scalars/arrays, timestamps, paths."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)
