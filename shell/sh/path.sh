case ":${PATH-}:" in
  *:@FOLDER@:*) ;;
  *) PATH=${PATH:+$PATH:}@FOLDER@; @ADDED@=@FOLDER@; export PATH @ADDED@ ;;
esac
