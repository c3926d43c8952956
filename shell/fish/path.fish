if not contains -- @FOLDER@ $PATH
    set -gx PATH $PATH @FOLDER@
    set -gx @ADDED@ @FOLDER@
end
