if (-not (($env:PATH -split [IO.Path]::PathSeparator) -contains @FOLDER@)) {
    $env:PATH = (@($env:PATH, @FOLDER@) | Where-Object { $_ }) -join [IO.Path]::PathSeparator
    $env:@ADDED@ = @FOLDER@
}
