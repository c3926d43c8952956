$env:@NAME@ = @VALUE@
