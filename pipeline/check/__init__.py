"""Checking the returns: the strategy's rules (`rules`), scores and RAG (`score`), each file read,
checked and scored in one pass (`assess`), the validation report (`validation_report`) and the
officers' feedback copies (`feedback`)."""
