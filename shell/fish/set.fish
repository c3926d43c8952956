set -gx @NAME@ @VALUE@
