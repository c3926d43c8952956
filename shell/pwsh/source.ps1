if (Test-Path -LiteralPath @FILE@) { . @FILE@ }
