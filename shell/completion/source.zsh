if (( $+functions[compdef] )) && [ -f @FILE@ ]; then . @FILE@; fi
