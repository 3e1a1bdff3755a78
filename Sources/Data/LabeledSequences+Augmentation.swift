extension LabeledSequences {
    /// The dataset followed by the reverse complement of each of its sequences, with the same
    /// labels: the usual strand augmentation for the training split (only). O(total length).
    public func augmentedWithReverseComplements() -> LabeledSequences {
        var out = self
        if kind != .classification {
            for (i, s) in sequences.enumerated() { out.append(Nucleotide.reverseComplement(s), targets: targets(of: i)) }
            return out
        }
        for (s, label) in zip(sequences, labels) { out.append(Nucleotide.reverseComplement(s), label: label) }
        return out
    }
}
