"""Import of the standard workbook (interchange.md §1): read → validate → plan → write.

Reading and validation never touch the database except for set-based look-ups of what is stored;
writing is bulk and happens inside one change set.
"""
