# @@HEADER@@
# build.tcl: Quartus flow for sparsegen_axi, configuration '@@NAME@@'
# (@@PE_COUNT@@ PEs x @@BANKS@@ banks, @@STREAM_W@@-bit streams) on @@BOARD@@.
#
#   quartus_sh -t fpga/quartus/build.tcl
#
# Runs from any directory: paths come from this script's location.  Creates
# the project in fpga/quartus/build/ for @@PART@@ (@@FAMILY@@), adds the Verilog
# files of the generated filelist.f (its +incdir+ directories as SEARCH_PATH),
# sparsegen.sdc, makes every port but aclk a virtual pin (the accelerator is
# a core, not a chip: no pin placement), compiles (synthesis, fit, timing
# analysis, assembler), and writes build/report.json (the shape of `sparsegen
# synth`'s report) from the fitter summary, the fitter report's resource
# usage table and the timing analyzer summary.

set sg_part      {@@PART@@}
set sg_family    {@@FAMILY@@}
set sg_board     {@@BOARD@@}
set sg_config    {@@NAME@@}
set sg_top       {@@TOP@@}
set sg_clock_mhz @@CLOCK_MHZ@@
# the board's capacities, used where the reports give no count
set sg_caps      {@@RESOURCES@@}
set sg_project   sparsegen

set sg_here [file dirname [file normalize [info script]]]
set sg_root [file normalize [file join $sg_here .. ..]]
set sg_out  [file join $sg_here build]

@@FILELIST_TCL@@

@@REPORT_TCL@@

# ---- fitter and timing reports (fpga/templates/quartus) ----------------------
# sg_quartus_fit PATH: dict res -> {used available} from a .fit.summary
# ("Key : used / available ( pct % )" or "Key : used").  ALMs from "Logic
# utilization (in ALMs)", ff from "Total registers", M20K blocks from "Total
# RAM Blocks" (the only block RAM of Arria 10), DSP from "Total DSP Blocks".
proc sg_quartus_fit {path} {
    set map {
        {Logic utilization (in ALMs)} alm
        {Total registers} ff
        {Total dedicated logic registers} ff
        {Total DSP Blocks} dsp
        {Total RAM Blocks} m20k
    }
    set fh [open $path r]
    set text [read $fh]
    close $fh
    set found {}
    foreach line [split $text \n] {
        set i [string first " : " $line]
        if {$i < 0} {
            continue
        }
        set key [string trim [string range $line 0 [expr {$i - 1}]]]
        if {![dict exists $map $key] || [dict exists $found [dict get $map $key]]} {
            continue
        }
        set value [string range $line [expr {$i + 3}] end]
        set parts [split [lindex [split $value (] 0] /]
        set avail [expr {[llength $parts] > 1 ? [sg_num [lindex $parts 1]] : ""}]
        dict set found [dict get $map $key] [list [sg_num [lindex $parts 0]] $avail]
    }
    return $found
}

# sg_quartus_mlab PATH: ALMs used as memory (MLABs), from the "[d] ALMs used
# for memory" row of the fitter report's "Fitter Resource Usage Summary"
# table ("; name ; value ; pct ;"); "" when absent.
proc sg_quartus_mlab {path} {
    set fh [open $path r]
    set lines [split [read $fh] \n]
    close $fh
    set in 0
    foreach line $lines {
        set line [string trim $line]
        if {[string match {; Fitter Resource Usage Summary*} $line]} {
            set in 1
            continue
        }
        if {!$in} {
            continue
        }
        if {$line eq ""} {
            break
        }
        set cells [split $line \;]
        if {[string match {\[d\] ALMs used for memory*} [string trim [lindex $cells 1]]]} {
            return [sg_num [lindex [split [lindex $cells 2] /] 0]]
        }
    }
    return ""
}

# sg_quartus_sta PATH: dict wns whs: the worst setup and hold slack (ns) over
# all corners and clocks of a .sta.summary ("Type : <corner> Setup '<clock>'"
# then "Slack : <ns>"); "" when absent.
proc sg_quartus_sta {path} {
    set fh [open $path r]
    set lines [split [read $fh] \n]
    close $fh
    set wns ""
    set whs ""
    set kind ""
    foreach line $lines {
        if {[regexp {^\s*Type\s*:\s*(.*)$} $line -> type]} {
            set kind ""
            if {[regexp {\mSetup\M} $type]} {
                set kind wns
            } elseif {[regexp {\mHold\M} $type]} {
                set kind whs
            }
        } elseif {$kind ne "" && [regexp {^\s*Slack\s*:\s*(\S+)} $line -> s]} {
            set s [sg_num $s]
            if {$s ne "" && ([set $kind] eq "" || $s < [set $kind])} {
                set $kind $s
            }
            set kind ""
        }
    }
    return [dict create wns $wns whs $whs]
}

# sg_quartus_report DIR: report.json from the reports in DIR.
proc sg_quartus_report {dir} {
    global sg_out sg_board sg_part sg_config sg_top sg_caps sg_clock_mhz sg_project
    set base [file join $dir $sg_project]
    set used [sg_quartus_fit $base.fit.summary]
    dict set used mlab [list [sg_quartus_mlab $base.fit.rpt] ""]
    set t [sg_quartus_sta $base.sta.summary]
    dict set t clock_mhz $sg_clock_mhz
    sg_write_report [file join $sg_out report.json] \
        [dict create tool quartus board $sg_board part $sg_part config $sg_config top $sg_top] \
        $used $sg_caps $t
}

# ---- the flow ----------------------------------------------------------------
load_package flow

lassign [sg_filelist [file join $sg_root filelist.f]] sg_files sg_incdirs
file mkdir $sg_out
cd $sg_out

project_new -overwrite $sg_project
set_global_assignment -name FAMILY $sg_family
set_global_assignment -name DEVICE $sg_part
set_global_assignment -name TOP_LEVEL_ENTITY $sg_top
set_global_assignment -name PROJECT_OUTPUT_DIRECTORY output_files
set_global_assignment -name VERILOG_INPUT_VERSION SYSTEMVERILOG_2005
foreach f $sg_files {
    set_global_assignment -name VERILOG_FILE $f
}
foreach d $sg_incdirs {
    set_global_assignment -name SEARCH_PATH $d
}
set_global_assignment -name SDC_FILE [file join $sg_here sparsegen.sdc]
set_instance_assignment -name VIRTUAL_PIN ON -to *
set_instance_assignment -name VIRTUAL_PIN OFF -to aclk
export_assignments

execute_flow -compile
project_close
sg_quartus_report [file join $sg_out output_files]
