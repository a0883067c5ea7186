namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>A loaded, validated ViT-MAE checkpoint in the Hugging Face layout.</summary>
public sealed class MaeCheckpoint
{
    /// <summary>The weights file name in a Hugging Face checkpoint directory.</summary>
    public const string WeightsFileName = "model.safetensors";

    public required string Directory { get; init; }
    public required MaeConfig Config { get; init; }
    public required PreprocessorConfig Preprocessor { get; init; }
    public required IReadOnlyDictionary<string, TensorData> Tensors { get; init; }

    /// <summary>Lower-case hex SHA-256 over config.json, preprocessor_config.json and model.safetensors.</summary>
    public required string Hash { get; init; }

    public TensorData this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"Checkpoint has no tensor '{name}'.");

    /// <summary>
    /// Loads a checkpoint directory (<c>config.json</c>, <c>model.safetensors</c> and optionally
    /// <c>preprocessor_config.json</c>) and checks that every tensor the config implies is present with its
    /// expected shape (<see cref="MaeCheckpointLayout"/>). Extra tensors are ignored and not read.
    /// Without <c>preprocessor_config.json</c>, vit-mae-base's preprocessing at the config's image size is used.
    /// </summary>
    /// <exception cref="InvalidCheckpointException">A file is missing or malformed, or a tensor is missing or mis-shaped.</exception>
    public static MaeCheckpoint Load(string directory, CancellationToken cancellationToken = default) =>
        MaeCheckpointLoader.Load(directory, cancellationToken);
}
