"""The demo district 越城区: a deterministic, realistic standard workbook (see :mod:`bianzhi.demo.generator`)."""
