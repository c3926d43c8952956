@NAME@() { @ASSIGNS@ command @PROGRAM@ "$@"; }
