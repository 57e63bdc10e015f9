# @@HEADER@@
# build.tcl: Vivado non-project flow for sparsegen_axi, configuration
# '@@NAME@@' (@@PE_COUNT@@ PEs x @@BANKS@@ banks, @@STREAM_W@@-bit streams) on @@BOARD@@.
#
#   vivado -mode batch -source fpga/vivado/build.tcl [-tclargs synth]
#
# Runs from any directory: paths come from this script's location.  Reads the
# generated filelist.f (two levels up) and sparsegen.xdc (next to it),
# synthesizes out of context for @@PART@@, then opt/place/route.  Writes into
# fpga/vivado/build/: checkpoints, utilization_{synth,route}.rpt,
# timing_{synth,route}.rpt and report.json (the shape of `sparsegen synth`'s
# report: used/available/% per resource from report_utilization, WNS from
# report_timing_summary).
#
# Stop after synthesis with `-tclargs synth` or SPARSEGEN_STOP=synth in the
# environment; report.json then holds the synthesis estimate.

set sg_part      {@@PART@@}
set sg_board     {@@BOARD@@}
set sg_config    {@@NAME@@}
set sg_top       {@@TOP@@}
set sg_clock_mhz @@CLOCK_MHZ@@
# the board's capacities, used where report_utilization gives no count
set sg_caps      {@@RESOURCES@@}

set sg_here [file dirname [file normalize [info script]]]
set sg_root [file normalize [file join $sg_here .. ..]]
set sg_out  [file join $sg_here build]

@@FILELIST_TCL@@

@@REPORT_TCL@@

# ---- report_utilization / report_timing_summary (fpga/templates/vivado) ----
# sg_vivado_util PATH: dict res -> {used available} from a report_utilization
# text file.  Rows are found by their Site Type, columns by their header
# (Vivado 2020+ adds "Prohibited", hierarchical flows "Assigned"/"External");
# the first row of a name wins (the summary tables come before the
# distribution tables).  Block RAM Tile counts a RAMB18 as 0.5; lutram is
# "LUT as Memory" (distributed RAM and shift registers both take SLICEM LUTs,
# and the Available count is the SLICEM LUTs).
proc sg_vivado_util {path} {
    set map {
        {CLB LUTs} lut {Slice LUTs} lut
        {CLB Registers} ff {Slice Registers} ff
        DSPs dsp
        {Block RAM Tile} bram36
        URAM uram
        {LUT as Memory} lutram
    }
    set fh [open $path r]
    set text [read $fh]
    close $fh
    set found {}
    set iu -1
    set ia -1
    foreach line [split $text \n] {
        set line [string trim $line]
        if {![string match {|*|} $line]} {
            continue
        }
        set cells {}
        foreach c [lrange [split $line |] 1 end-1] {
            lappend cells [string trim $c]
        }
        if {[lsearch -exact $cells Used] >= 0} {
            # a header row: only Site Type tables are read
            if {[lindex $cells 0] eq "Site Type"} {
                set iu [lsearch -exact $cells Used]
                set ia [lsearch -exact $cells Available]
            } else {
                set iu -1
                set ia -1
            }
            continue
        }
        if {$iu < 0} {
            continue
        }
        set name [string trim [string trimright [lindex $cells 0] *]]
        if {![dict exists $map $name]} {
            continue
        }
        set key [dict get $map $name]
        if {[dict exists $found $key]} {
            continue
        }
        set avail [expr {$ia < 0 ? "" : [sg_num [lindex $cells $ia]]}]
        dict set found $key [list [sg_num [lindex $cells $iu]] $avail]
    }
    return $found
}

# sg_vivado_timing PATH: dict wns whs (ns, "" when not given, e.g. NA) from
# the "Design Timing Summary" of a report_timing_summary text file.
proc sg_vivado_timing {path} {
    set fh [open $path r]
    set lines [split [read $fh] \n]
    close $fh
    set wns ""
    set whs ""
    set n [llength $lines]
    for {set i 0} {$i < $n} {incr i} {
        if {[string trim [lindex $lines $i]] ne "| Design Timing Summary"} {
            continue
        }
        for {set j $i} {$j < $n && $j < $i + 12} {incr j} {
            if {[lindex [regexp -all -inline {\S+} [lindex $lines $j]] 0] ne "WNS(ns)"} {
                continue
            }
            # the values: the first non-blank line below the row of dashes
            for {set k [expr {$j + 2}]} {$k < $n} {incr k} {
                set row [regexp -all -inline {\S+} [lindex $lines $k]]
                if {[llength $row] > 0} {
                    set wns [sg_num [lindex $row 0]]
                    set whs [sg_num [lindex $row 4]]
                    break
                }
            }
            break
        }
        break
    }
    return [dict create wns $wns whs $whs]
}

# sg_vivado_report STAGE: report.json from utilization_STAGE.rpt and
# timing_STAGE.rpt.
proc sg_vivado_report {stage} {
    global sg_out sg_board sg_part sg_config sg_top sg_caps sg_clock_mhz
    set t [sg_vivado_timing [file join $sg_out timing_$stage.rpt]]
    dict set t clock_mhz $sg_clock_mhz
    sg_write_report [file join $sg_out report.json] \
        [dict create tool vivado board $sg_board part $sg_part config $sg_config top $sg_top] \
        [sg_vivado_util [file join $sg_out utilization_$stage.rpt]] $sg_caps $t
}

# ---- the flow ----------------------------------------------------------------
set sg_stop_after_synth [expr {([info exists argv] && [lsearch -exact $argv synth] >= 0)
                               || ([info exists env(SPARSEGEN_STOP)] && $env(SPARSEGEN_STOP) eq "synth")}]

lassign [sg_filelist [file join $sg_root filelist.f]] sg_files sg_incdirs
file mkdir $sg_out

foreach f $sg_files {
    read_verilog $f
}
read_xdc [file join $sg_here sparsegen.xdc]

set sg_synth_args [list -top $sg_top -part $sg_part -mode out_of_context]
if {[llength $sg_incdirs] > 0} {
    lappend sg_synth_args -include_dirs $sg_incdirs
}
synth_design {*}$sg_synth_args
write_checkpoint -force [file join $sg_out post_synth.dcp]
report_utilization -file [file join $sg_out utilization_synth.rpt]
report_timing_summary -max_paths 10 -file [file join $sg_out timing_synth.rpt]

if {$sg_stop_after_synth} {
    sg_vivado_report synth
} else {
    opt_design
    place_design
    phys_opt_design
    route_design
    write_checkpoint -force [file join $sg_out post_route.dcp]
    report_utilization -file [file join $sg_out utilization_route.rpt]
    report_timing_summary -max_paths 10 -file [file join $sg_out timing_route.rpt]
    sg_vivado_report route
}
