# fpga/flows_check.tcl: run a generated vendor flow (fpga/vivado/*.tcl,
# fpga/quartus/build.tcl, the XDC and SDC) in plain tclsh against mocks of
# the Vivado and Quartus commands it uses, and check what it asked for.
#
#   tclsh flows_check.tcl MODE key=value ...
#
# Modes:
#   syntax         files=LIST: each file and every proc it defines is complete
#                  Tcl (`info complete`)
#   constraints    file=F period=NS: the XDC/SDC run against mocks: one
#                  create_clock on port aclk with that period, no pin placement
#   vivado-build   dir=OUT part=P util=RPT timing=RPT [args=synth]
#                  [expect=JSON] [wrapper=V]
#   vivado-package dir=OUT part=P [wrapper=V]
#   vivado-bd      dir=OUT part=P board_part=BP clock_mhz=F stream_w=N
#                  [args=bitstream] [wrapper=V]
#   quartus-build  dir=OUT part=P family=F fit_summary=F fit_rpt=F
#                  sta_summary=F [expect=JSON] [wrapper=V]
# wrapper is rtl_templates/sparsegen_axi.v when it exists: its ports are the
# ports the mocks know, and the top module must be among the files read.
#
# Prints one line per check, "PASS|what", "FAIL|what" or "SKIP|what|why",
# and "DIAG|text" lines; fpga/flows.test turns them into TAP.  The mocks
# record every call in order (chk::calls) so checks can ask for arguments and
# ordering; commands the flows do not use are not defined, so a misspelt
# command fails the run.

namespace eval chk {
    variable calls {}     ;# {cmd arg ...} per call, in order
    variable missing {}   ;# files the script read that do not exist
    variable opt          ;# key=value arguments
    variable props        ;# props(obj,NAME) = value from set_property
    variable uf           ;# union-find parent, for connectivity
    variable busifs {}    ;# ipx bus interfaces inferred: name -> {vlnv ports}
    variable ports {}     ;# the wrapper's ports: name -> width
    array set props {}
    array set uf {}
}

# ---- output ------------------------------------------------------------------
proc chk::ok {cond what} {
    puts [expr {$cond ? "PASS|$what" : "FAIL|$what"}]
    return $cond
}
proc chk::skip {what why} { puts "SKIP|$what|$why" }
proc chk::diag {text} {
    foreach l [split $text \n] {
        puts "DIAG|$l"
    }
}

# ---- recording -----------------------------------------------------------------
proc chk::rec {args} {
    variable calls
    lappend calls $args
}
# calls of cmd, each as its argument list
proc chk::calls_of {cmd} {
    variable calls
    set out {}
    foreach c $calls {
        if {[lindex $c 0] eq $cmd} {
            lappend out [lrange $c 1 end]
        }
    }
    return $out
}
# index of the first (or last) call of cmd, -1 when none
proc chk::first {cmd} {
    variable calls
    for {set i 0} {$i < [llength $calls]} {incr i} {
        if {[lindex $calls $i 0] eq $cmd} {
            return $i
        }
    }
    return -1
}
proc chk::last {cmd} {
    variable calls
    for {set i [expr {[llength $calls] - 1}]} {$i >= 0} {incr i -1} {
        if {[lindex $calls $i 0] eq $cmd} {
            return $i
        }
    }
    return -1
}
# the value after option name in an argument list, or def
proc chk::optval {arglist name {def ""}} {
    set i [lsearch -exact $arglist $name]
    if {$i < 0 || $i + 1 >= [llength $arglist]} {
        return $def
    }
    return [lindex $arglist [expr {$i + 1}]]
}
proc chk::need_file {path} {
    variable missing
    if {![file exists $path]} {
        lappend missing $path
    }
}
# every cmd of the list appears, each after the one before
proc chk::in_order {cmds} {
    set prev -1
    foreach c $cmds {
        set i [first $c]
        if {$i <= $prev} {
            diag "order: '$c' at [expr {$i < 0 ? "never" : "call $i"}], after call $prev"
            return 0
        }
        set prev $i
    }
    return 1
}

# ---- the RTL: filelist and wrapper ports -------------------------------------------
# the sources filelist.f names, parsed here independently of the flows
proc chk::filelist {dir} {
    set fh [open [file join $dir filelist.f]]
    set files {}
    foreach l [split [read $fh] \n] {
        set l [string trim $l]
        if {$l eq "" || [string match //* $l] || [string match +* $l]} {
            continue
        }
        lappend files [file normalize [file join $dir $l]]
    }
    close $fh
    return $files
}
# ports of module sparsegen_axi in file v: name -> width
proc chk::wrapper_ports {v} {
    set fh [open $v]
    set text [read $fh]
    close $fh
    regsub -all {//[^\n]*} $text {} text
    regsub -all {\(\*.*?\*\)} $text {} text
    set ports {}
    # the port list: up to the first ");" after the module name, after the
    # parameter list's ") (" when there is one (no regexp: Tcl's takes the
    # greediness of a whole expression from its first quantifier)
    set m [string first "module sparsegen_axi" $text]
    if {$m < 0} {
        return $ports
    }
    set body [string range $text $m [expr {[string first ");" $text $m] - 1}]]
    if {[regexp -indices {\)\s*\(} $body at]} {
        set body [string range $body [expr {[lindex $at 1] + 1}] end]
    } else {
        set body [string range $body [expr {[string first ( $body] + 1}] end]
    }
    foreach decl [split $body ,] {
        if {[regexp {(?:input|output)\s+(?:wire|reg)?\s*(?:\[([^\]]*):\s*0\s*\])?\s*(\w+)\s*$} [string trim $decl] -> msb name]} {
            set w 1
            if {$msb ne ""} {
                # widths from parameters are not evaluated: 64 stands in
                set w [expr {[string is integer -strict $msb] ? $msb + 1 : 64}]
            }
            dict set ports $name $w
        }
    }
    return $ports
}
# the ports the flows may ask for: the wrapper's, else the interface the
# wrapper is specified to have (issue 7)
proc chk::load_ports {} {
    variable opt
    variable ports
    if {[info exists opt(wrapper)] && $opt(wrapper) ne "" && [file exists $opt(wrapper)]} {
        set ports [wrapper_ports $opt(wrapper)]
        return
    }
    set ports {aclk 1 aresetn 1 irq_o 1}
    foreach {p w} {awaddr 12 awprot 3 awvalid 1 awready 1 wdata 32 wstrb 4 wvalid 1 wready 1
                   bresp 2 bvalid 1 bready 1 araddr 12 arprot 3 arvalid 1 arready 1 rdata 32
                   rresp 2 rvalid 1 rready 1} {
        dict set ports s_axi_ctrl_$p $w
    }
    foreach p {tdata tvalid tready tlast} {
        dict set ports s_axis_$p 1
    }
    foreach p {tdata tvalid tready tlast tkeep} {
        dict set ports m_axis_$p 1
    }
}
# the top module is defined in one of the files read
proc chk::top_read {files} {
    variable opt
    set what "the top module sparsegen_axi is among the Verilog files read"
    foreach f $files {
        if {[file exists $f]} {
            set fh [open $f]
            set t [read $fh]
            close $fh
            if {[regexp {\mmodule\s+sparsegen_axi\M} $t]} {
                ok 1 $what
                return
            }
        }
    }
    if {![info exists opt(wrapper)] || $opt(wrapper) eq "" || ![file exists $opt(wrapper)]} {
        skip $what "rtl_templates/sparsegen_axi.v is not written yet"
    } else {
        ok 0 $what
    }
}

# ---- running a script ------------------------------------------------------------
proc chk::run {script argv_list what} {
    set ::argv $argv_list
    set ::argc [llength $argv_list]
    if {[catch {uplevel #0 [list source $script]} msg]} {
        ok 0 $what
        diag $::errorInfo
        return 0
    }
    return [ok 1 $what]
}

# copy fixture src to dst (a report the mocked tool "writes")
proc chk::fixture {src dst} {
    file mkdir [file dirname $dst]
    file copy -force $src $dst
}

# ---- mocks: Vivado non-project flow ---------------------------------------------
proc chk::mock_vivado_build {} {
    proc ::read_verilog {args} {
        chk::rec read_verilog {*}$args
        foreach f [lindex $args end] {
            chk::need_file $f
        }
    }
    proc ::read_xdc {args} {
        chk::rec read_xdc {*}$args
        chk::need_file [lindex $args end]
    }
    foreach c {synth_design opt_design place_design phys_opt_design route_design} {
        proc ::$c {args} "chk::rec $c {*}\$args"
    }
    proc ::write_checkpoint {args} {
        chk::rec write_checkpoint {*}$args
        close [open [lindex $args end] w]
    }
    proc ::report_utilization {args} {
        chk::rec report_utilization {*}$args
        chk::fixture $chk::opt(util) [chk::optval $args -file]
    }
    proc ::report_timing_summary {args} {
        chk::rec report_timing_summary {*}$args
        chk::fixture $chk::opt(timing) [chk::optval $args -file]
    }
}

# ---- mocks: Vivado project, IP packager, block design -------------------------------
proc chk::mock_vivado_project {} {
    foreach c {update_compile_order close_project update_ip_catalog create_bd_design
               assign_bd_address validate_bd_design save_bd_design generate_target
               apply_bd_automation wait_on_run ipx::create_xgui_files ipx::update_checksums
               ipx::check_integrity} {
        proc ::$c {args} "chk::rec $c {*}\$args"
    }
    proc ::create_project {args} {
        chk::rec create_project {*}$args
        file mkdir [lindex $args end-2]
        return [lindex $args end-3]
    }
    proc ::current_project {} { return sparsegen_project }
    proc ::current_fileset {} { return sources_1 }
    proc ::add_files {args} {
        chk::rec add_files {*}$args
        foreach f [lindex $args end] {
            chk::need_file $f
        }
    }
    proc ::get_files {args} {
        chk::rec get_files {*}$args
        return [lindex $args end]
    }
    proc ::get_runs {name} { return $name }
    proc ::set_property {args} {
        chk::rec set_property {*}$args
        if {[lindex $args 0] eq "-dict"} {
            foreach {k v} [lindex $args 1] {
                set chk::props([lindex $args 2],$k) $v
            }
        } else {
            set chk::props([lindex $args 2],[lindex $args 0]) [lindex $args 1]
        }
    }
    proc ::get_property {name obj} {
        chk::rec get_property $name $obj
        switch -- $name {
            PROGRESS { return 100% }
            DIRECTORY { return $chk::opt(rundir) }
            NAME { return $obj }
            SIZE_LEFT {
                if {![dict exists $chk::ports $obj]} {
                    error "mock: no port '$obj' on sparsegen_axi"
                }
                return [expr {[dict get $chk::ports $obj] - 1}]
            }
        }
        error "mock: get_property $name is not mocked"
    }
    # -- IP packager --
    proc ::ipx::package_project {args} {
        chk::rec ipx::package_project {*}$args
        set chk::opt(ipdir) [chk::optval $args -root_dir]
        file mkdir $chk::opt(ipdir)
        # what package_project infers by itself: the clock and the reset
        dict set chk::busifs aclk [list xilinx.com:signal:clock_rtl:1.0 aclk]
        dict set chk::busifs aresetn [list xilinx.com:signal:reset_rtl:1.0 aresetn]
    }
    proc ::ipx::current_core {} { return core }
    proc ::ipx::save_core {args} {
        chk::rec ipx::save_core {*}$args
        close [open [file join $chk::opt(ipdir) component.xml] w]
    }
    proc ::ipx::get_bus_interfaces {args} {
        set name [lindex [lsearch -inline -all -not -glob [lrange $args 0 end-2] -*] 0]
        if {[dict exists $chk::busifs $name]} {
            return busif:$name
        }
        if {[lsearch -exact $args -quiet] < 0} {
            error "mock: no bus interface '$name'"
        }
        return ""
    }
    proc ::ipx::infer_bus_interface {ports vlnv core} {
        chk::rec ipx::infer_bus_interface $ports $vlnv $core
        foreach p $ports {
            if {![dict exists $chk::ports $p]} {
                error "mock: ipx::infer_bus_interface: sparsegen_axi has no port '$p'"
            }
        }
        if {[llength $ports] == 1} {
            set name [lindex $ports 0]
        } else {
            # the common prefix up to the last "_"
            regsub {_[^_]*$} [lindex $ports 0] {} name
        }
        dict set chk::busifs $name [list $vlnv $ports]
        return busif:$name
    }
    proc ::ipx::get_ports {pattern args} {
        set out {}
        foreach p [dict keys $chk::ports] {
            if {[string match $pattern $p]} {
                lappend out $p
            }
        }
        return $out
    }
    proc ::ipx::associate_bus_interfaces {args} { chk::rec ipx::associate_bus_interfaces {*}$args }
    proc ::ipx::get_bus_parameters {args} { return "" }
    proc ::ipx::add_bus_parameter {name busif} {
        chk::rec ipx::add_bus_parameter $name $busif
        return $busif/$name
    }
    # the parameters package_project makes user parameters (a few of them)
    proc ::ipx::get_user_parameters {args} { return {userparam:PeCount userparam:Banks userparam:StreamW} }
    proc ::ipx::get_memory_maps {args} { return "" }
    proc ::ipx::add_memory_map {name core} {
        chk::rec ipx::add_memory_map $name $core
        return mm:$name
    }
    proc ::ipx::get_address_blocks {args} { return "" }
    proc ::ipx::add_address_block {name mm} {
        chk::rec ipx::add_address_block $name $mm
        return $mm/$name
    }
    # -- block design --
    proc ::create_bd_cell {args} {
        chk::rec create_bd_cell {*}$args
        return [lindex $args end]
    }
    proc ::get_bd_cells {name} { return $name }
    proc ::get_bd_intf_pins {name} { return $name }
    proc ::get_bd_pins {args} { return [lindex $args end] }
    proc ::get_bd_nets {args} {
        # connected pins have a net
        set pin [lindex $args end]
        return [expr {[info exists chk::uf(net:$pin)] ? "net" : ""}]
    }
    proc ::connect_bd_intf_net {a b} {
        chk::rec connect_bd_intf_net $a $b
        chk::union intf:$a intf:$b
    }
    proc ::connect_bd_net {a b} {
        chk::rec connect_bd_net $a $b
        chk::union net:$a net:$b
    }
    proc ::make_wrapper {args} {
        chk::rec make_wrapper {*}$args
        set f [file join $chk::opt(rundir) sparsegen_bd_wrapper.v]
        close [open $f w]
        return $f
    }
    proc ::launch_runs {args} {
        chk::rec launch_runs {*}$args
        close [open [file join $chk::opt(rundir) sparsegen_bd_wrapper.bit] w]
    }
    proc ::write_hw_platform {args} {
        chk::rec write_hw_platform {*}$args
        close [open [chk::optval $args -file] w]
    }
}

# ---- mocks: Quartus -------------------------------------------------------------------
proc chk::mock_quartus {} {
    foreach c {load_package project_new set_instance_assignment export_assignments project_close} {
        proc ::$c {args} "chk::rec $c {*}\$args"
    }
    proc ::set_global_assignment {args} {
        chk::rec set_global_assignment {*}$args
        set name [chk::optval $args -name]
        set v [lindex $args end]
        if {$name in {VERILOG_FILE SDC_FILE SEARCH_PATH}} {
            chk::need_file $v
        }
    }
    proc ::execute_flow {args} {
        chk::rec execute_flow {*}$args
        foreach {k ext} {fit_summary fit.summary fit_rpt fit.rpt sta_summary sta.summary} {
            chk::fixture $chk::opt($k) [file join [pwd] output_files sparsegen.$ext]
        }
    }
}

# ---- connectivity ----------------------------------------------------------------------
proc chk::find {x} {
    variable uf
    if {![info exists uf($x)]} {
        set uf($x) $x
    }
    while {$uf($x) ne $x} {
        set x $uf($x)
    }
    return $x
}
proc chk::union {a b} {
    variable uf
    set uf([find $a]) [find $b]
}
proc chk::joined {a b} {
    variable uf
    return [expr {[info exists uf($a)] && [info exists uf($b)] && [find $a] eq [find $b]}]
}

# ---- the checks of each mode --------------------------------------------------------
proc chk::common_reads {what files} {
    variable missing
    variable opt
    if {![ok [expr {[llength $missing] == 0}] "$what: every file it reads exists"]} {
        diag "missing: $missing"
    }
    set want [filelist $opt(dir)]
    set lost {}
    foreach f $want {
        if {[lsearch -exact $files $f] < 0} {
            lappend lost $f
        }
    }
    if {![ok [expr {[llength $lost] == 0 && [llength $want] > 0}] \
              "$what: reads all [llength $want] sources of filelist.f"]} {
        diag "not read: $lost"
    }
}

# the commands of a script, each as its text (an incomplete tail as the last)
proc chk::commands {text} {
    set cmds {}
    set cur ""
    foreach line [split $text \n] {
        append cur $line \n
        if {[info complete $cur]} {
            lappend cmds $cur
            set cur ""
        }
    }
    if {[string trim $cur] ne ""} {
        lappend cmds $cur
    }
    return $cmds
}

proc chk::mode_syntax {} {
    variable opt
    foreach f $opt(files) {
        set fh [open $f]
        set text [read $fh]
        close $fh
        set bad {}
        if {![info complete $text]} {
            lappend bad "(whole file)"
        }
        # define the procs (only them: nothing else runs) in a scratch
        # interpreter, then check each body
        set i [interp create]
        set builtin [$i eval {info procs}]
        set n 0
        foreach c [commands $text] {
            if {[regexp {^\s*proc\s} $c]} {
                incr n
                if {[catch {$i eval $c} msg]} {
                    lappend bad "proc definition: $msg"
                }
            }
        }
        set defined {}
        foreach p [$i eval {info procs}] {
            if {[lsearch -exact $builtin $p] < 0} {
                lappend defined $p
            }
        }
        foreach p $defined {
            if {![info complete [$i eval [list info body $p]]]} {
                lappend bad "proc $p"
            }
        }
        interp delete $i
        set name [file tail [file dirname $f]]/[file tail $f]
        if {![ok [expr {[llength $bad] == 0 && [llength $defined] == $n}] \
                  "$name is complete Tcl[expr {$n ? ", and so are its $n proc bodies" : ""}]"]} {
            diag "incomplete: $bad; procs defined [llength $defined] of $n"
        }
    }
}

proc chk::mode_constraints {} {
    variable opt
    proc ::get_ports {args} { chk::rec get_ports {*}$args; return [lindex $args end] }
    foreach c {create_clock set_property derive_clock_uncertainty} {
        proc ::$c {args} "chk::rec $c {*}\$args"
    }
    set what [file tail $opt(file)]
    if {![run $opt(file) {} "$what runs (as Tcl) against mocks of create_clock and get_ports"]} {
        return
    }
    set cc [calls_of create_clock]
    set c0 [lindex $cc 0]
    set target [string trim [lindex $c0 end] "\{\} "]
    ok [expr {[llength $cc] == 1 && [optval $c0 -period] eq $opt(period) && $target eq "aclk"
              && [optval $c0 -name] eq "aclk"}] \
        "$what: one create_clock on port aclk, period $opt(period) ns (1000 / clock_mhz)"
    if {[llength $cc] != 1 || [optval $c0 -period] ne $opt(period)} {
        diag "create_clock calls: $cc"
    }
    set pins 0
    foreach s [calls_of set_property] {
        if {[lindex $s 0] in {PACKAGE_PIN LOC IOSTANDARD}} {
            incr pins
        }
    }
    ok [expr {$pins == 0}] "$what: no pin placement (out of context)"
}

proc chk::mode_vivado-build {} {
    variable opt
    mock_vivado_build
    set synth_only [expr {$opt(args) eq "synth"}]
    set what "build.tcl[expr {$synth_only ? " synth" : ""}]"
    if {![run [file join $opt(dir) fpga vivado build.tcl] $opt(args) "$what runs end to end under the Vivado mock"]} {
        return
    }
    set files {}
    foreach c [calls_of read_verilog] {
        lappend files {*}[lindex $c end]
    }
    common_reads $what $files
    top_read $files
    set xdc [calls_of read_xdc]
    ok [expr {[llength $xdc] == 1 && [lindex $xdc 0 end] eq [file normalize [file join $opt(dir) fpga vivado sparsegen.xdc]]}] \
        "$what: reads fpga/vivado/sparsegen.xdc"
    set s [lindex [calls_of synth_design] 0]
    set inc [optval $s -include_dirs]
    ok [expr {[llength [calls_of synth_design]] == 1 && [optval $s -top] eq "sparsegen_axi"
              && [optval $s -part] eq $opt(part) && [optval $s -mode] eq "out_of_context"
              && [lsearch -exact $inc [file normalize [file join $opt(dir) rtl]]] >= 0}] \
        "$what: synth_design -top sparsegen_axi -part $opt(part) -mode out_of_context -include_dirs rtl"
    if {$synth_only} {
        ok [expr {[in_order {read_verilog read_xdc synth_design write_checkpoint report_utilization report_timing_summary}]
                  && [first opt_design] < 0 && [first place_design] < 0 && [first route_design] < 0}] \
            "$what: stops after synthesis and its reports"
    } else {
        ok [in_order {read_verilog read_xdc synth_design opt_design place_design route_design}] \
            "$what: read_verilog, read_xdc, synth_design, opt_design, place_design, route_design in that order"
        ok [expr {[last report_utilization] > [first route_design] && [last report_timing_summary] > [first route_design]
                  && [last write_checkpoint] > [first route_design]}] \
            "$what: report_utilization, report_timing_summary and write_checkpoint after route_design"
    }
    set stage [expr {$synth_only ? "synth" : "route"}]
    set rj [file join $opt(dir) fpga vivado build report.json]
    ok [file exists $rj] "$what: writes fpga/vivado/build/report.json from the $stage reports"
    if {[info exists opt(expect)] && $opt(expect) ne "" && [file exists $rj]} {
        expect_json $rj $opt(expect) $what
    }
}

proc chk::expect_json {got want what} {
    set fh [open $got]
    set g [read $fh]
    close $fh
    set fh [open $want]
    set w [read $fh]
    close $fh
    if {![ok [expr {$g eq $w}] "$what: report.json matches [file tail $want]"]} {
        diag "got:\n$g"
        diag "expected:\n$w"
    }
}

proc chk::mode_vivado-package {} {
    variable opt
    variable busifs
    variable props
    load_ports
    mock_vivado_project
    set what package_ip.tcl
    if {![run [file join $opt(dir) fpga vivado package_ip.tcl] {} "$what runs end to end under the Vivado mock"]} {
        return
    }
    package_checks $what
}

proc chk::package_checks {what} {
    variable opt
    variable busifs
    variable props
    set files {}
    foreach c [calls_of add_files] {
        lappend files {*}[lindex $c end]
    }
    common_reads $what $files
    top_read $files
    set cp [lindex [calls_of create_project] 0]
    ok [expr {[optval $cp -part] eq $opt(part)}] "$what: create_project -part $opt(part)"
    set pp [lindex [calls_of ipx::package_project] 0]
    ok [expr {[optval $pp -root_dir] eq [file normalize [file join $opt(dir) fpga vivado ip]]
              && [lsearch -exact $pp -import_files] >= 0}] \
        "$what: ipx::package_project -root_dir fpga/vivado/ip -import_files"
    set want {s_axi_ctrl xilinx.com:interface:aximm_rtl:1.0 s_axis xilinx.com:interface:axis_rtl:1.0
              m_axis xilinx.com:interface:axis_rtl:1.0 aclk xilinx.com:signal:clock_rtl:1.0
              aresetn xilinx.com:signal:reset_rtl:1.0}
    set irq [lindex [dict keys [dict filter $busifs script {k v} {string match *interrupt* [lindex $v 0]}]] 0]
    set okb [expr {$irq ne ""}]
    dict for {b v} $want {
        if {![dict exists $busifs $b] || [lindex [dict get $busifs $b] 0] ne $v} {
            set okb 0
            diag "bus interface $b: [expr {[dict exists $busifs $b] ? [dict get $busifs $b] : "missing"}]"
        }
    }
    ok $okb "$what: bus interfaces s_axi_ctrl (AXI4-Lite), s_axis, m_axis (AXI4-Stream), aclk, aresetn, interrupt '$irq'"
    set assoc {}
    foreach a [calls_of ipx::associate_bus_interfaces] {
        if {[optval $a -clock] eq "aclk"} {
            lappend assoc [optval $a -busif]
        }
    }
    ok [expr {[lsort $assoc] eq {m_axis s_axi_ctrl s_axis}}] "$what: s_axi_ctrl, s_axis and m_axis associated with aclk"
    ok [expr {[info exists props(busif:aresetn/POLARITY,value)] && $props(busif:aresetn/POLARITY,value) eq "ACTIVE_LOW"
              && [info exists props(busif:aclk/ASSOCIATED_RESET,value)] && $props(busif:aclk/ASSOCIATED_RESET,value) eq "aresetn"
              && [info exists props(busif:$irq/SENSITIVITY,value)] && $props(busif:$irq/SENSITIVITY,value) eq "LEVEL_HIGH"}] \
        "$what: aresetn ACTIVE_LOW and aclk's reset, interrupt LEVEL_HIGH"
    set locked 1
    foreach p {userparam:PeCount userparam:Banks userparam:StreamW} {
        set locked [expr {$locked && [info exists props($p,enablement_value)] && $props($p,enablement_value) eq "false"}]
    }
    ok $locked "$what: every user parameter shown but not editable (enablement_value false)"
    set blk mm:s_axi_ctrl/reg0
    set range [expr {1 << [dict get $chk::ports s_axi_ctrl_awaddr]}]
    ok [expr {[info exists props(busif:s_axi_ctrl,slave_memory_map_ref)] && $props(busif:s_axi_ctrl,slave_memory_map_ref) eq "s_axi_ctrl"
              && [info exists props($blk,range)] && $props($blk,range) == $range && $props($blk,usage) eq "register"}] \
        "$what: a memory map for s_axi_ctrl, one register block of $range bytes"
    ok [in_order {create_project add_files ipx::package_project ipx::infer_bus_interface ipx::associate_bus_interfaces
                  ipx::add_memory_map ipx::check_integrity ipx::save_core}] \
        "$what: create_project, add_files, package, interfaces, memory map, ipx::check_integrity, ipx::save_core in that order"
}

proc chk::mode_vivado-bd {} {
    variable opt
    variable props
    load_ports
    mock_vivado_project
    set opt(rundir) [file join $opt(dir) fpga vivado mockrun]
    file mkdir $opt(rundir)
    set bitstream [expr {$opt(args) eq "bitstream"}]
    set opt(packaged) [expr {[file exists [file join $opt(dir) fpga vivado ip component.xml]] ? "yes" : "no"}]
    set what "bd.tcl[expr {$bitstream ? " bitstream" : ""}]"
    if {![run [file join $opt(dir) fpga vivado bd.tcl] $opt(args) "$what runs end to end under the Vivado mock"]} {
        return
    }
    if {$opt(packaged) eq "no"} {
        ok [expr {[first ipx::save_core] >= 0 && [first ipx::save_core] < [last create_project]}] \
            "$what: packages the IP first (fpga/vivado/ip holds none)"
    } else {
        ok [expr {[first ipx::package_project] < 0}] "$what: uses the IP already in fpga/vivado/ip"
    }
    set cp [lindex [calls_of create_project] end]
    ok [expr {[optval $cp -part] eq $opt(part)}] "$what: create_project -part $opt(part)"
    set bp [expr {[info exists props(sparsegen_project,board_part)] ? $props(sparsegen_project,board_part) : ""}]
    ok [expr {$bp eq $opt(board_part)}] "$what: board_part '$opt(board_part)'"
    set pre [expr {[first apply_bd_automation] >= 0}]
    ok [expr {$pre == ($opt(board_part) ne "")}] "$what: applies the board preset to the PS exactly when a board part is known"
    ok [expr {[info exists props(sparsegen_project,ip_repo_paths)]
              && $props(sparsegen_project,ip_repo_paths) eq [list [file normalize [file join $opt(dir) fpga vivado ip]]]}] \
        "$what: adds fpga/vivado/ip to the IP repositories"
    # cells
    set cells {}
    foreach c [calls_of create_bd_cell] {
        dict set cells [lindex $c end] [optval $c -vlnv]
    }
    set want {zynq_ultra_ps_e_0 xilinx.com:ip:zynq_ultra_ps_e axi_dma_0 xilinx.com:ip:axi_dma
              sparsegen_0 sparsegen:sparsegen:sparsegen_axi smc_ctrl xilinx.com:ip:smartconnect
              smc_mem xilinx.com:ip:smartconnect rst_pl0 xilinx.com:ip:proc_sys_reset
              irq_concat xilinx.com:ip:xlconcat}
    set cells [lsort -stride 2 $cells]
    set want [lsort -stride 2 $want]
    ok [expr {$cells eq $want}] "$what: cells PS, AXI DMA, sparsegen, 2 SmartConnects, proc_sys_reset, xlconcat"
    if {$cells ne $want} {
        diag "cells: $cells"
    }
    set ps zynq_ultra_ps_e_0
    set okp 1
    foreach {k v} [list CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $opt(clock_mhz) CONFIG.PSU__USE__IRQ0 1 \
                   CONFIG.PSU__USE__M_AXI_GP0 1 CONFIG.PSU__USE__S_AXI_GP2 1 CONFIG.PSU__FPGA_PL0_ENABLE 1] {
        if {![info exists props($ps,$k)] || $props($ps,$k) != $v} {
            set okp 0
            diag "$ps $k: [expr {[info exists props($ps,$k)] ? $props($ps,$k) : "unset"}], want $v"
        }
    }
    ok $okp "$what: PS pl_clk0 at $opt(clock_mhz) MHz, HPM0_FPD master, HP0 slave, PL-to-PS interrupts"
    set okd 1
    foreach {k v} [list CONFIG.c_include_sg 0 CONFIG.c_m_axis_mm2s_tdata_width $opt(stream_w) \
                   CONFIG.c_s_axis_s2mm_tdata_width $opt(stream_w)] {
        if {![info exists props(axi_dma_0,$k)] || $props(axi_dma_0,$k) != $v} {
            set okd 0
            diag "axi_dma_0 $k: [expr {[info exists props(axi_dma_0,$k)] ? $props(axi_dma_0,$k) : "unset"}], want $v"
        }
    }
    ok $okd "$what: AXI DMA without scatter-gather, $opt(stream_w)-bit streams"
    # AXI connectivity: through each SmartConnect, any slave port reaches any master port
    foreach smc {smc_ctrl smc_mem} {
        foreach s {S00_AXI S01_AXI M00_AXI M01_AXI} {
            union intf:$smc/$s intf:$smc
        }
    }
    ok [expr {[joined intf:$ps/M_AXI_HPM0_FPD intf:axi_dma_0/S_AXI_LITE]
              && [joined intf:$ps/M_AXI_HPM0_FPD intf:sparsegen_0/s_axi_ctrl]}] \
        "$what: the PS master reaches the DMA's and the accelerator's AXI-Lite"
    set direct [calls_of connect_bd_intf_net]
    ok [expr {[lsearch -exact $direct {axi_dma_0/M_AXIS_MM2S sparsegen_0/s_axis}] >= 0
              && [lsearch -exact $direct {sparsegen_0/m_axis axi_dma_0/S_AXIS_S2MM}] >= 0}] \
        "$what: DMA MM2S stream -> sparsegen s_axis, sparsegen m_axis -> DMA S2MM stream"
    ok [expr {[joined intf:axi_dma_0/M_AXI_MM2S intf:$ps/S_AXI_HP0_FPD]
              && [joined intf:axi_dma_0/M_AXI_S2MM intf:$ps/S_AXI_HP0_FPD]}] \
        "$what: the DMA's memory masters reach the PS HP0 port"
    set okc 1
    foreach p {sparsegen_0/aclk axi_dma_0/s_axi_lite_aclk axi_dma_0/m_axi_mm2s_aclk axi_dma_0/m_axi_s2mm_aclk
               smc_ctrl/aclk smc_mem/aclk rst_pl0/slowest_sync_clk $ps/maxihpm0_fpd_aclk $ps/saxihp0_fpd_aclk} {
        set p [subst $p]
        if {![joined net:$ps/pl_clk0 net:$p]} {
            set okc 0
            diag "not on pl_clk0: $p"
        }
    }
    ok $okc "$what: pl_clk0 clocks the accelerator, the DMA, the SmartConnects, the reset block and the PS ports"
    ok [expr {[joined net:rst_pl0/peripheral_aresetn net:sparsegen_0/aresetn]
              && [joined net:rst_pl0/peripheral_aresetn net:axi_dma_0/axi_resetn]
              && [joined net:$ps/pl_resetn0 net:rst_pl0/ext_reset_in]}] \
        "$what: proc_sys_reset from pl_resetn0 resets the accelerator and the DMA"
    set irq [lindex [dict keys [dict filter $chk::ports script {k v} {string match *irq* $k}]] 0]
    set oki [expr {$irq ne "" && [joined net:irq_concat/dout net:$ps/pl_ps_irq0]}]
    foreach src [list sparsegen_0/$irq axi_dma_0/mm2s_introut axi_dma_0/s2mm_introut] {
        set hit 0
        foreach in {In0 In1 In2} {
            set hit [expr {$hit || [joined net:$src net:irq_concat/$in]}]
        }
        set oki [expr {$oki && $hit}]
    }
    ok $oki "$what: sparsegen's interrupt '$irq' and the DMA's two reach pl_ps_irq0"
    ok [expr {[in_order {create_project create_bd_design create_bd_cell connect_bd_intf_net assign_bd_address
                         validate_bd_design save_bd_design make_wrapper}]
              && [last connect_bd_net] < [first assign_bd_address]}] \
        "$what: cells, connections, assign_bd_address, validate_bd_design, save, make_wrapper in that order"
    if {$bitstream} {
        ok [expr {[first launch_runs] > [first make_wrapper] && [first write_hw_platform] > [first wait_on_run]
                  && [file exists [file join $opt(dir) fpga vivado sparsegen_bd.bit]]}] \
            "$what: implements to a bitstream and writes the .bit and .xsa next to the script"
    } else {
        ok [expr {[first launch_runs] < 0}] "$what: no implementation run unless asked"
    }
    file delete -force $opt(rundir)
}

proc chk::mode_quartus-build {} {
    variable opt
    mock_quartus
    set what quartus/build.tcl
    set here [pwd]
    set rc [run [file join $opt(dir) fpga quartus build.tcl] {} "$what runs end to end under the Quartus mock"]
    cd $here
    if {!$rc} {
        return
    }
    set g {}
    foreach c [calls_of set_global_assignment] {
        dict lappend g [optval $c -name] [lindex $c end]
    }
    set files [expr {[dict exists $g VERILOG_FILE] ? [dict get $g VERILOG_FILE] : {}}]
    common_reads $what $files
    top_read $files
    ok [expr {[dict exists $g FAMILY] && [dict get $g FAMILY] eq [list $opt(family)]
              && [dict exists $g DEVICE] && [dict get $g DEVICE] eq [list $opt(part)]}] \
        "$what: FAMILY '$opt(family)', DEVICE $opt(part)"
    ok [expr {[dict exists $g TOP_LEVEL_ENTITY] && [dict get $g TOP_LEVEL_ENTITY] eq "sparsegen_axi"}] \
        "$what: TOP_LEVEL_ENTITY sparsegen_axi"
    ok [expr {[dict exists $g SEARCH_PATH] && [lsearch -exact [dict get $g SEARCH_PATH] [file normalize [file join $opt(dir) rtl]]] >= 0
              && [dict exists $g SDC_FILE] && [dict get $g SDC_FILE] eq [list [file normalize [file join $opt(dir) fpga quartus sparsegen.sdc]]]}] \
        "$what: SEARCH_PATH rtl and SDC_FILE fpga/quartus/sparsegen.sdc"
    set vp [calls_of set_instance_assignment]
    ok [expr {[lsearch -exact $vp {-name VIRTUAL_PIN ON -to *}] >= 0 && [lsearch -exact $vp {-name VIRTUAL_PIN OFF -to aclk}] >= 0}] \
        "$what: every port but aclk a virtual pin"
    ok [expr {[in_order {load_package project_new set_global_assignment execute_flow project_close}]
              && [last set_global_assignment] < [first execute_flow]
              && [lindex [calls_of execute_flow] 0] eq "-compile"}] \
        "$what: project_new, assignments, execute_flow -compile, project_close in that order"
    set rj [file join $opt(dir) fpga quartus build report.json]
    ok [file exists $rj] "$what: writes fpga/quartus/build/report.json"
    if {[info exists opt(expect)] && $opt(expect) ne "" && [file exists $rj]} {
        expect_json $rj $opt(expect) $what
    }
}

# ---- main ----------------------------------------------------------------------------------
set chk::mode [lindex $argv 0]
array set chk::opt {args {} files {}}
foreach kv [lrange $argv 1 end] {
    set i [string first = $kv]
    set chk::opt([string range $kv 0 [expr {$i - 1}]]) [string range $kv [expr {$i + 1}] end]
}
if {[info exists chk::opt(dir)]} {
    set chk::opt(dir) [file normalize $chk::opt(dir)]
}
namespace eval ::ipx {}
if {[info commands chk::mode_$chk::mode] eq ""} {
    puts stderr "flows_check.tcl: unknown mode '$chk::mode'"
    exit 2
}
if {$chk::mode in {vivado-build quartus-build}} {
    chk::load_ports
}
chk::mode_$chk::mode
exit 0
