# Embed a text file into the library as a NUL-terminated C array.
# usage: cmake -DIN=data/drugs.yaml -DOUT=gen/data_drugs_yaml.c -DNAME=mw__data_drugs_yaml
#              -P cmake/embed.cmake
# Bytes >= 0x80 (UTF-8) are written with a cast, so the array is plain `char` whatever
# its signedness and no string literal runs past the C limit of 4095 characters.
foreach(var IN ITEMS IN OUT NAME)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed.cmake: -D${var}=... is required")
  endif()
endforeach()
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "0x([89a-f][0-9a-f])," "(char) 0x\\1," bytes "${bytes}")
# Sixteen bytes a line (CMake regexes have no {n}).
string(REPEAT "[^,]*," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
get_filename_component(src "${IN}" NAME)
file(WRITE "${OUT}"
  "/* Generated from ${src} by cmake/embed.cmake; do not edit. */\n"
  "extern const char ${NAME}[];\n"
  "const char ${NAME}[] = {\n    ${bytes}0x00};\n")
