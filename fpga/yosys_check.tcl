# fpga/yosys_check.tcl: out-of-context Yosys synthesis of generated sparsegen
# RTL for a Xilinx family, stopping between synth_xilinx steps to save what
# fpga/yosys.test needs to check the DSP and memory mapping.
#
#   SG_FILELIST=DIR/filelist.f SG_OUT=OUTDIR yosys -q -l OUTDIR/yosys.log \
#       -c fpga/yosys_check.tcl
#
# Environment:
#   SG_FILELIST  filelist.f written by `sparsegen gen` (+incdir+ and .v lines,
#                paths relative to the file's directory)
#   SG_OUT       existing directory for the reports below
#   SG_FAMILY    synth_xilinx -family (default xcup)
#   SG_TOP       top module (default sparsegen_top)
#
# Reports in SG_OUT (RTLIL `dump` text, Yosys log text, stat output):
#   mul_pre.il     $mul cells before map_dsp (every multiplier of the design)
#   mul_soft.il    $mul cells left after map_dsp (multipliers NOT in a DSP)
#   dsp.il         DSP48E2 cells right after map_dsp (src tells lane/requant)
#   mem_pre.il     $mem_v2 cells before map_memory (every inferred memory)
#   map_memory.log output of the map_memory step (memory_libmap decisions:
#                  "mapping memory M via $__XILINX_BLOCKRAM_TDP_",
#                  "using FF mapping for memory M", ...)
#   mem_post.il    $mem/$mem_v2 cells left after synthesis (should be empty)
#   cells.txt      "TYPE NAME" for every DSP48E2, block RAM, UltraRAM and
#                  LUTRAM primitive after synthesis (a RAM primitive's name
#                  is the memory's name plus ".i.j")
#   stat.txt       stat -tech xilinx
#   stat.json      stat -tech xilinx -json
#   done           written last: the whole flow ran

proc env_or {name dflt} {
    if {[info exists ::env($name)] && $::env($name) ne ""} {
        return $::env($name)
    }
    return $dflt
}

set filelist [env_or SG_FILELIST ""]
set out      [env_or SG_OUT ""]
set family   [env_or SG_FAMILY xcup]
set top      [env_or SG_TOP sparsegen_top]
if {$filelist eq "" || $out eq ""} {
    error "yosys_check.tcl: set SG_FILELIST and SG_OUT"
}

# ---- read the filelist --------------------------------------------------
set base [file dirname [file normalize $filelist]]
set incs {}
set files {}
set fh [open $filelist r]
while {[gets $fh line] >= 0} {
    set line [string trim $line]
    if {$line eq "" || [string match "//*" $line] || [string match "#*" $line]} {
        continue
    }
    if {[string match "+incdir+*" $line]} {
        foreach d [lrange [split $line +] 2 end] {
            if {$d ne ""} { lappend incs -I[file join $base $d] }
        }
    } elseif {[string match "-*" $line] || [string match "+*" $line]} {
        puts stderr "yosys_check.tcl: ignoring filelist option: $line"
    } else {
        lappend files [file join $base $line]
    }
}
close $fh
if {[llength $files] == 0} {
    error "yosys_check.tcl: no source files in $filelist"
}

# Each call of `yosys` with several words passes them as separate arguments
# (no re-splitting, no Tcl substitution inside braces).
yosys read_verilog {*}$incs {*}$files

set synth [list synth_xilinx -family $family -top $top -flatten -noiopad -noclkbuf]

# begin, prepare: parse, flatten, optimize
yosys {*}$synth -run :map_dsp
yosys tee -q -o [file join $out mul_pre.il] dump {t:$mul}

# map_dsp (multipliers -> DSP48E2; small ones go back to $mul), coarse
# (memory -nomap collects every memory into one $mem_v2 cell)
yosys {*}$synth -run map_dsp:coarse
yosys tee -q -o [file join $out mul_soft.il] dump {t:$mul}
yosys tee -q -o [file join $out dsp.il] dump t:DSP48E2 t:DSP48E1
yosys {*}$synth -run coarse:map_memory
yosys tee -q -o [file join $out mem_pre.il] dump {t:$mem_v2}

# map_memory: memory_libmap picks block RAM / LUTRAM / flip-flops per memory
yosys tee -o [file join $out map_memory.log] {*}$synth -run map_memory:map_ffram

# the rest: FF-mapped memories, fine, LUT/FF mapping, check
yosys {*}$synth -run map_ffram:
yosys tee -q -o [file join $out mem_post.il] dump {t:$mem} {t:$mem_v2}
# The primitives by type.  Keep this list in step with fpga/yosys.test, which
# also checks that it accounts for every RAM* cell that stat counts.
set prims {
    DSP48E2 DSP48E1 RAMB18E2 RAMB36E2 RAMB18E1 RAMB36E1 URAM288
    RAM32X1S RAM32X1D RAM64X1S RAM64X1D RAM128X1S RAM128X1D RAM256X1S
    RAM256X1D RAM512X1S RAM32M RAM64M RAM32M16 RAM64M8 RAM64X8SW RAM32X16DR8
}
set tmp [file join $out select.tmp]
set cf [open [file join $out cells.txt] w]
foreach t $prims {
    yosys tee -q -o $tmp select -list t:$t
    set fh [open $tmp r]
    while {[gets $fh line] >= 0} {
        set line [string trim $line]
        if {$line eq ""} { continue }
        # "module/cell" -> "cell"
        set slash [string first / $line]
        puts $cf "$t [string range $line [expr {$slash + 1}] end]"
    }
    close $fh
}
close $cf
file delete $tmp
yosys select -clear

yosys tee -q -o [file join $out stat.txt] stat -tech xilinx
yosys tee -q -o [file join $out stat.json] stat -tech xilinx -json

set fh [open [file join $out done] w]
puts $fh "ok"
close $fh
