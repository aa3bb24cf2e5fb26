# GUISE_SANITIZE=address,undefined | thread: applied to everything this project compiles.
if(GUISE_SANITIZE)
  add_compile_options(-fsanitize=${GUISE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${GUISE_SANITIZE})
endif()
