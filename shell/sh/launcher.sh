if [ -n "${ZSH_VERSION-}" ] || { [ -n "${BASH_VERSION-}" ] && ! shopt -qo posix; }; then
  eval @DEFINITION@
fi
