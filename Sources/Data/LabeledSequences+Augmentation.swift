extension LabeledSequences {
    /// The dataset followed by the reverse complement of each of its sequences, with the same
    /// labels: the usual strand augmentation for the training split (only). O(total length).
    public func augmentedWithReverseComplements() -> LabeledSequences {
        var out = self
        for (s, label) in zip(sequences, labels) { out.append(Nucleotide.reverseComplement(s), label: label) }
        return out
    }
}
