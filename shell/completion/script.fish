@HEADER@
function _ollama_client_setup_completion
    set -l before (commandline -opc)
    set -l current (commandline -ct)
    set -l response (env COMP_WORDS="$before $current" COMP_CWORD=(count $before) \
        _OLLAMA_CLIENT_SETUP_COMPLETE=zsh_complete ollama-client-setup 2>/dev/null)
    set -l i 1
    while test $i -le (count $response)
        set -l kind $response[$i]
        set -l value (string replace -a '\:' ':' -- $response[(math $i + 1)])
        set -l help $response[(math $i + 2)]
        set i (math $i + 3)
        switch $kind
            case dir
                __fish_complete_directories $value
            case file
                __fish_complete_path $value
            case plain
                if test "$help" != _
                    printf '%s\t%s\n' $value $help
                else
                    printf '%s\n' $value
                end
        end
    end
end
complete --no-files --command ollama-client-setup --arguments "(_ollama_client_setup_completion)"
