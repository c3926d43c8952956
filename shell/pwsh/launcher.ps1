function @NAME@ {
    $names = @(@SAVED@)
    $old = @{}; foreach ($n in $names) { $old[$n] = [Environment]::GetEnvironmentVariable($n) }
@SETS@
    try { & @PROGRAM@ @args } finally { foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, $old[$n]) } }
}
