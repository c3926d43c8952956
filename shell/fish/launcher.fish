function @NAME@ --wraps @PROGRAM@
    env @ASSIGNS@ @PROGRAM@ $argv
end
