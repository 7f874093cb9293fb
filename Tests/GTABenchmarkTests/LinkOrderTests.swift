import Testing

@testable import GTABenchmark

/// `gta-bench __link-order`: what it reads from lld's map and callgrind's profile, and the order
/// it writes for the second link.
@Suite("Link order")
struct LinkOrderTests {
    /// An lld map in its own layout: `VMA LMA Size Align`, then the output section, the input
    /// section (indented by 8) and its symbols (indented by 16).
    static let map = """
                     VMA              LMA     Size Align Out     In      Symbol
                     2e0              2e0       1c     1 .interp
                     2e0              2e0       1c     1         <internal>:(.interp)
                  44b4d0           44b4d0     1000    16 .text
                  44b4d0           44b4d0       22    16         /b/a.o:(.text.A)
                  44b4d0           44b4d0       22     1                 A
                  44b500           44b500       10    16         /b/a.o:(.text.ATQ0_)
                  44b500           44b500       10     1                 ATQ0_
                  44b510           44b510      400    16         /lib/libswiftCore.a(Swift.o):(.text)
                  44b510           44b510       10     1                 B
                  44b520           44b520       10     1                 C
                  44b530           44b530       10     1                 D
                  44b540           44b540       10     1                 E
                  44b550           44b550       10     1                 G
                  44b910           44b910       10    16         /b/g.o:(.text.G)
                  44b910           44b910       10     1                 G
                  44b920           44b920       10    16         /b/h.o:(.text._ZL5local)
                  44c000           44c000      100    16 .rodata
                  44c000           44c000       10     1                 A
        """

    @Test func aProfileGivesTheBinarysFunctionsInFirstCallOrder() {
        let profile = """
            version: 1
            ob=/usr/lib/x86_64-linux-gnu/libc.so.6
            fn=memcpy
            ob=/work/.build/bench/release/gta-bench
            fn=B
            fn=A'2
            cfn=C
            fn=0x00000000004799b0
            fn=B
            ob=/usr/lib/x86_64-linux-gnu/libm.so.6
            fn=sqrt
            ob=/work/.build/bench/release/gta-bench
            fn=C
            """
        #expect(LinkOrder.calledFunctions(callgrind: profile, binary: "gta-bench") == ["B", "A", "C"])
        #expect(LinkOrder.calledFunctions(callgrind: profile, binary: "other").isEmpty)
    }

    @Test func functionsOfTheirOwnComeFirstThenOneSymbolForEachSharedSection() {
        let sections = TextSections(map: Self.map)
        // B and C share Swift.o's .text: only B is listed for it. A brings its funclet. G has a
        // section of its own besides the shared one, so it is listed too. A local the map names
        // only through its section is kept; an unknown name is left out.
        let order = sections.order(["B", "A", "C", "G", "_ZL5local", "unknown"])
        #expect(order == ["A", "ATQ0_", "_ZL5local", "B", "G"])
    }

    @Test func aFuncletsFunctionIsItsNameLessTheSuffixes() {
        #expect(TextSections.function(of: "$s3GTA4workyyYaFTQ0_") == "$s3GTA4workyyYaF")
        #expect(TextSections.function(of: "$s3GTA4workyyYaFTY12_") == "$s3GTA4workyyYaF")
        #expect(TextSections.function(of: "$s3GTA4workyyYaFTATQ1_") == "$s3GTA4workyyYaF")
        #expect(TextSections.function(of: "$s3GTA4workyyYaFTu") == "$s3GTA4workyyYaF")
        #expect(TextSections.function(of: "$s3GTA4workyyYaF") == nil)
        #expect(TextSections.function(of: "$s3GTA3runyyFSi_Tg5") == nil)
        #expect(TextSections.function(of: "name_") == nil)
        #expect(TextSections.function(of: "TQ0_") == nil)
    }
}
