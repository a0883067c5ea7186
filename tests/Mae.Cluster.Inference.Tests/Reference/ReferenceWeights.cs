using Mae.Cluster.Inference.Checkpoints;

namespace Mae.Cluster.Inference.Tests.Reference;

/// <summary>Looks tensors up in a checkpoint and refuses any whose shape is not the one the config implies.</summary>
internal sealed class ReferenceWeights(MaeCheckpoint checkpoint)
{
    public MaeConfig Config => checkpoint.Config;

    public float[] Get(string name, params int[] expectedShape)
    {
        if (!checkpoint.Tensors.TryGetValue(name, out var tensor))
        {
            throw new KeyNotFoundException(
                $"Checkpoint '{checkpoint.Directory}' has no tensor '{name}', which the reference MAE needs.");
        }

        var expectedCount = 1L;
        foreach (var dimension in expectedShape)
        {
            expectedCount *= dimension;
        }

        if (!tensor.Shape.SequenceEqual(expectedShape) || tensor.Values.LongLength != expectedCount)
        {
            throw new InvalidDataException(
                $"Tensor '{name}' in '{checkpoint.Directory}' has shape [{string.Join(", ", tensor.Shape)}] and " +
                $"{tensor.Values.LongLength} values; the config implies shape [{string.Join(", ", expectedShape)}].");
        }

        return tensor.Values;
    }
}
