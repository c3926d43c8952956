test -r @FILE@; and read -gx OPENAI_API_KEY < @FILE@
