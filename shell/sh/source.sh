if [ -f @FILE@ ]; then . @FILE@; fi
