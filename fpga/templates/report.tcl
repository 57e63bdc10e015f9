# ---- report.json (fpga/templates/report.tcl) ---------------------------------
# The same shape as `sparsegen synth` writes:
#   {"tool": "vivado"|"quartus", "board": B, "part": P, "config": C, "top": T,
#    "resources": {"<res>": {"used": N, "avail": N, "pct": X}, ...},
#    "warnings": ["<res> at X% of N (over 80%)", ...],
#    "timing": {"clock_mhz": F, "wns_ns": F, "met": true|false}}
# A figure the reports do not give is null and gets no warning (a resource
# the part does not have counts as 0 used of 0).

# sg_num TEXT: TEXT as a plain number ("12,345" -> 12345), "" when it is none
# ("NA", "", "-").
proc sg_num {text} {
    set t [string map {, {}} [string trim $text]]
    if {[string is double -strict $t]} {
        return $t
    }
    return ""
}

# sg_json_num V: V as a JSON number (integral values without a fraction),
# null for "".
proc sg_json_num {v} {
    if {$v eq ""} {
        return null
    }
    set d [expr {double($v)}]
    if {$d == floor($d) && abs($d) < 1e15} {
        return [format %.0f $d]
    }
    return [format %.10g $d]
}

proc sg_json_str {s} {
    return "\"[string map [list \\ \\\\ \" \\\" \n \\n \r \\r \t \\t] $s]\""
}

# sg_write_report PATH INFO USED CAPS TIMING: write report.json to PATH
# (through a temporary file, so a reader never sees half of it) and print a
# summary.
#   INFO    dict: tool board part config top
#   USED    dict res -> {used avail} as the tool reported them ("" if absent)
#   CAPS    dict res -> the board's capacity, in report order; the capacity
#           stands in for a count of available sites the tool did not give
#   TIMING  dict: clock_mhz wns whs (ns; "" if absent)
# Timing is met when the worst setup slack and, when reported, the worst
# hold slack are >= 0.
proc sg_write_report {path info used caps timing} {
    set res {}
    set warn {}
    set rows {}
    dict for {name cap} $caps {
        set u ""
        set a ""
        if {[dict exists $used $name]} {
            lassign [dict get $used $name] u a
        }
        if {$a eq ""} {
            set a $cap
        }
        if {$u eq "" && $a == 0} {
            # not reported, and the part has none (URAM on most parts)
            set u 0
        }
        set pct ""
        if {$u ne "" && $a > 0} {
            set pct [expr {100.0 * $u / $a}]
        } elseif {$u ne "" && $u == 0} {
            set pct 0
        }
        if {$pct ne "" && $pct > 80} {
            lappend warn [sg_json_str [format "%s at %.1f%% of %s (over 80%%)" $name $pct [sg_json_num $a]]]
        }
        if {$pct ne ""} {
            set pct [format %.2f $pct]
        }
        lappend res [format {    %s: {"used": %s, "avail": %s, "pct": %s}} [sg_json_str $name] \
            [sg_json_num $u] [sg_json_num $a] [sg_json_num $pct]]
        lappend rows [format "  %-8s %12s of %-10s %s" $name [expr {$u eq "" ? "?" : $u}] $a \
            [expr {$pct eq "" ? "" : "$pct %"}]]
    }
    set wns [dict get $timing wns]
    set whs [dict get $timing whs]
    set met [expr {$wns ne "" && $wns >= 0 && ($whs eq "" || $whs >= 0) ? "true" : "false"}]
    set j "\{\n"
    foreach k {tool board part config top} {
        append j "  [sg_json_str $k]: [sg_json_str [dict get $info $k]],\n"
    }
    append j "  \"resources\": \{\n[join $res ",\n"]\n  \},\n"
    if {[llength $warn] == 0} {
        append j "  \"warnings\": \[\],\n"
    } else {
        append j "  \"warnings\": \[\n    [join $warn ",\n    "]\n  \],\n"
    }
    append j [format "  \"timing\": {\"clock_mhz\": %s, \"wns_ns\": %s, \"met\": %s}\n" \
        [sg_json_num [dict get $timing clock_mhz]] [sg_json_num $wns] $met]
    append j "\}\n"
    set fh [open $path.tmp w]
    puts -nonewline $fh $j
    close $fh
    file rename -force $path.tmp $path
    puts "sparsegen: [dict get $info tool] report for '[dict get $info config]' on [dict get $info board] ([dict get $info part]):"
    puts [join $rows \n]
    puts "  timing: WNS [expr {$wns eq "" ? "?" : $wns}] ns at [dict get $timing clock_mhz] MHz,\
          [expr {$met ? "met" : "NOT met"}]"
    foreach w $warn {
        puts "  warning: [string trim $w \"]"
    }
    puts "sparsegen: wrote $path"
    return $j
}
