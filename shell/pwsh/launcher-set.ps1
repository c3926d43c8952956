    $env:@NAME@ = @VALUE@
