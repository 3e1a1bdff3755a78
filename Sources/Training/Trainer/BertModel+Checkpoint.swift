import Foundation

extension BertModel {
    /// Loads every weight of this model from a checkpoint folder written by the trainer
    /// (`model.safetensors`, and for LoRA models the factors in `adapter_model.safetensors`),
    /// checking names and shapes.
    /// - Throws: `CheckpointError` for a missing file, a missing tensor or a wrong shape.
    public func loadCheckpoint(from url: URL) throws {
        try parameters.load(from: try SafeTensorsFile(path: url.path + "/" + HFCheckpoint.weightsFile))
        if let lora {
            let adapter = try SafeTensorsFile(path: url.path + "/" + PEFTAdapter.weightsFile)
            for view in lora.parameters.views {
                try adapter.readFinite(PEFTNames.normalised(view.name), shape: view.shape,
                                 into: UnsafeMutableBufferPointer(start: lora.parameters.pointer(view), count: view.count))
            }
        }
    }
}
