export @NAME@=@VALUE@
