if [ -n "${BASH_VERSION-}" ]; then @LINE@; fi
