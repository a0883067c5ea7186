namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>A loaded, validated ViT-MAE checkpoint in the Hugging Face layout.</summary>
public sealed class MaeCheckpoint
{
    public required string Directory { get; init; }
    public required MaeConfig Config { get; init; }
    public required PreprocessorConfig Preprocessor { get; init; }
    public required IReadOnlyDictionary<string, TensorData> Tensors { get; init; }

    /// <summary>Lower-case hex SHA-256 over config.json, preprocessor_config.json and model.safetensors.</summary>
    public required string Hash { get; init; }

    public TensorData this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"Checkpoint has no tensor '{name}'.");
}
