if (Test-Path -LiteralPath @FILE@) { $env:OPENAI_API_KEY = (Get-Content -Raw -LiteralPath @FILE@).Trim() }
