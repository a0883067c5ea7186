using Mae.Cluster.Inference.Checkpoints;
using Microsoft.ML.OnnxRuntime;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>Runs the features graph over caller-owned buffers; holds no batching or threading policy.</summary>
public sealed class MaeFeaturesSession(InferenceSession session, MaeConfig config) : IDisposable
{
    private static readonly string[] InputNames = [MaeGraphIO.PixelValues];
    private static readonly string[] OutputNames = [MaeGraphIO.ClsEmbedding, MaeGraphIO.MeanEmbedding];
    private static readonly string[] OutputNamesWithTokens = [MaeGraphIO.ClsEmbedding, MaeGraphIO.MeanEmbedding, MaeGraphIO.LastHiddenState];
    private readonly RunOptions _runOptions = new();

    /// <summary>
    /// Embeds <paramref name="batch"/> images from <paramref name="pixels"/> (batch·C·H·W) into
    /// <paramref name="cls"/> and <paramref name="mean"/> (batch·hidden each) and, unless <paramref name="tokens"/> is
    /// empty (then the session must hold a <see cref="MaeGraphKind.FeaturesWithTokens"/> graph), the final hidden
    /// states into it (batch·(1 + patches)·hidden).
    /// </summary>
    public void Run(Memory<float> pixels, int batch, Memory<float> cls, Memory<float> mean, Memory<float> tokens = default)
    {
        int c = config.NumChannels, s = config.ImageSize, d = config.HiddenSize;
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels[..(batch * c * s * s)], [batch, c, s, s]);
        using var clsOut = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, cls[..(batch * d)], [batch, d]);
        using var meanOut = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mean[..(batch * d)], [batch, d]);
        if (!tokens.IsEmpty)
        {
            var t = config.NumPatches + 1;
            using var tokensOut = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, tokens[..(batch * t * d)], [batch, t, d]);
            session.Run(_runOptions, InputNames, [input], OutputNamesWithTokens, [clsOut, meanOut, tokensOut]);
            return;
        }
        session.Run(_runOptions, InputNames, [input], OutputNames, [clsOut, meanOut]);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        session.Dispose();
    }
}
