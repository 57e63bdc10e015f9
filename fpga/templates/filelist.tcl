# ---- filelist.f (fpga/templates/filelist.tcl) --------------------------------
# sg_filelist PATH: the sources of a sparsegen filelist.f as {files incdirs},
# absolute paths.  `sparsegen gen` writes `+incdir+DIR` lines, one file a
# line (both relative to the filelist's directory) and `//` comments; any
# other option is an error rather than silently dropped.
proc sg_filelist {path} {
    set dir [file dirname [file normalize $path]]
    set fh [open $path r]
    set text [read $fh]
    close $fh
    set files {}
    set incdirs {}
    set n 0
    foreach line [split $text \n] {
        incr n
        set line [string trim $line]
        if {$line eq "" || [string match //* $line] || [string match #* $line]} {
            continue
        }
        if {[string match +incdir+* $line]} {
            foreach d [lrange [split $line +] 2 end] {
                if {$d ne ""} {
                    lappend incdirs [file normalize [file join $dir $d]]
                }
            }
        } elseif {[string match {[-+]*} $line]} {
            error "$path:$n: unsupported filelist option '$line'"
        } else {
            lappend files [file normalize [file join $dir $line]]
        }
    }
    if {[llength $files] == 0} {
        error "$path: no source files"
    }
    return [list $files $incdirs]
}
