import Testing
@testable import Data

@Suite struct NucleotideTests {
    @Test(arguments: [
        ("", ""), ("A", "T"), ("AC", "GT"), ("ACG", "CGT"), ("ACGTN", "NACGT"), ("AAAAACCCGT", "ACGGGTTTTT"),
    ])
    func reverseComplement(_ input: String, _ expected: String) {
        #expect(Nucleotide.reverseComplement(input) == expected)
        #expect(Nucleotide.reverseComplement(Nucleotide.reverseComplement(input)) == input)
    }
}
