# @@HEADER@@
# package_ip.tcl: package sparsegen_axi, configuration '@@NAME@@', as a Vivado
# IP (IP-XACT) into fpga/vivado/ip/, for the IP catalog and block designs.
#
#   vivado -mode batch -source fpga/vivado/package_ip.tcl
#
# Then add fpga/vivado/ip to a project's IP repositories (Settings > IP >
# Repository, or `set_property ip_repo_paths`); bd.tcl does this itself.
# The core: @@IP_VENDOR@@:@@IP_LIBRARY@@:@@TOP@@:@@IP_VERSION@@ with the bus interfaces
#   s_axi_ctrl  AXI4-Lite slave (control and status registers)
#   s_axis      AXI4-Stream slave (command stream, @@STREAM_W@@ bits)
#   m_axis      AXI4-Stream master (results, @@STREAM_W@@ bits)
#   aclk        clock of all three; aresetn its active-low reset
#   @@IRQ@@      level-high interrupt
# The packaging project lives in fpga/vivado/ip_project/ (scratch).  The
# ipx:: commands and properties are those public packaging scripts use; the
# script is tested against mocks, not Vivado.

set sg_part     {@@PART@@}
set sg_config   {@@NAME@@}
set sg_top      {@@TOP@@}
set sg_irq      {@@IRQ@@}
set sg_vendor   {@@IP_VENDOR@@}
set sg_library  {@@IP_LIBRARY@@}
set sg_version  {@@IP_VERSION@@}

set sg_here  [file dirname [file normalize [info script]]]
set sg_root  [file normalize [file join $sg_here .. ..]]
set sg_ipdir [file join $sg_here ip]

@@FILELIST_TCL@@

# sg_bus_param BUSIF NAME VALUE: set bus parameter NAME, adding it if needed.
proc sg_bus_param {busif name value} {
    set p [ipx::get_bus_parameters -quiet $name -of_objects $busif]
    if {$p eq ""} {
        set p [ipx::add_bus_parameter $name $busif]
    }
    set_property value $value $p
}

lassign [sg_filelist [file join $sg_root filelist.f]] sg_files sg_incdirs

create_project -force sparsegen_ip [file join $sg_here ip_project] -part $sg_part
add_files -norecurse $sg_files
# the include files travel with the IP: add them as Verilog headers
foreach d $sg_incdirs {
    foreach h [lsort [glob -nocomplain -directory $d *.vh]] {
        add_files -norecurse $h
        set_property file_type {Verilog Header} [get_files $h]
    }
}
set_property include_dirs $sg_incdirs [current_fileset]
set_property top $sg_top [current_fileset]
update_compile_order -fileset sources_1

file delete -force $sg_ipdir
ipx::package_project -root_dir $sg_ipdir -vendor $sg_vendor -library $sg_library \
    -taxonomy /UserIP -import_files -set_current true -force
set core [ipx::current_core]
set_property name $sg_top $core
set_property version $sg_version $core
set_property display_name {sparsegen accelerator (@@NAME@@, @@PE_COUNT@@x@@BANKS@@)} $core
set_property description {sparsegen @@VERSION@@ sparse neural-network accelerator, configuration '@@NAME@@' (hash @@HASH@@): @@PE_COUNT@@ PEs x @@BANKS@@ banks, @@STREAM_W@@-bit AXI4-Stream command and result streams, AXI4-Lite control} $core
set_property vendor_display_name {sparsegen} $core

# ---- bus interfaces ----------------------------------------------------------
# ipx::package_project infers most of them from the port names; infer what it
# left out, then check that all are there.
foreach {port vlnv} [list aclk xilinx.com:signal:clock_rtl:1.0 \
                         aresetn xilinx.com:signal:reset_rtl:1.0 \
                         $sg_irq xilinx.com:signal:interrupt_rtl:1.0] {
    if {[ipx::get_bus_interfaces -quiet $port -of_objects $core] eq ""} {
        ipx::infer_bus_interface $port $vlnv $core
    }
}
foreach {busif vlnv} {s_axi_ctrl xilinx.com:interface:aximm_rtl:1.0
                      s_axis     xilinx.com:interface:axis_rtl:1.0
                      m_axis     xilinx.com:interface:axis_rtl:1.0} {
    if {[ipx::get_bus_interfaces -quiet $busif -of_objects $core] eq ""} {
        set ports {}
        foreach p [ipx::get_ports ${busif}_* -of_objects $core] {
            lappend ports [get_property NAME $p]
        }
        ipx::infer_bus_interface [lsort $ports] $vlnv $core
    }
}
foreach busif [list s_axi_ctrl s_axis m_axis aclk aresetn $sg_irq] {
    if {[ipx::get_bus_interfaces -quiet $busif -of_objects $core] eq ""} {
        error "sparsegen: bus interface '$busif' of $sg_top was not inferred"
    }
}
foreach busif {s_axi_ctrl s_axis m_axis} {
    ipx::associate_bus_interfaces -busif $busif -clock aclk $core
}
sg_bus_param [ipx::get_bus_interfaces aclk -of_objects $core] ASSOCIATED_RESET aresetn
sg_bus_param [ipx::get_bus_interfaces aresetn -of_objects $core] POLARITY ACTIVE_LOW
sg_bus_param [ipx::get_bus_interfaces $sg_irq -of_objects $core] SENSITIVITY LEVEL_HIGH

# ---- parameters: fixed by sparsegen gen --------------------------------------
# The configuration's values are what sparsegen_params.h and the compiled
# command streams assume: the IP shows them but does not let them change
# (regenerate with sparsegen gen for another configuration).
foreach p [ipx::get_user_parameters -of_objects $core] {
    set_property enablement_value false $p
}

# ---- the register map: one block covering s_axi_ctrl's address space ------
set sg_addr_w [expr {[get_property SIZE_LEFT [ipx::get_ports s_axi_ctrl_awaddr -of_objects $core]] + 1}]
set mm [ipx::get_memory_maps -quiet s_axi_ctrl -of_objects $core]
if {$mm eq ""} {
    set mm [ipx::add_memory_map s_axi_ctrl $core]
}
set_property slave_memory_map_ref s_axi_ctrl [ipx::get_bus_interfaces s_axi_ctrl -of_objects $core]
set blk [ipx::get_address_blocks -quiet reg0 -of_objects $mm]
if {$blk eq ""} {
    set blk [ipx::add_address_block reg0 $mm]
}
set_property base_address 0 $blk
set_property range [expr {1 << $sg_addr_w}] $blk
set_property width 32 $blk
set_property usage register $blk

ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity $core
ipx::save_core $core
close_project
puts "sparsegen: packaged $sg_vendor:$sg_library:$sg_top:$sg_version into $sg_ipdir"
