if [ -r @FILE@ ]; then IFS= read -r OPENAI_API_KEY < @FILE@; export OPENAI_API_KEY; fi
