using Mae.Cluster.Inference.Checkpoints;
using Microsoft.ML.OnnxRuntime;

namespace Mae.Cluster.Inference.Onnx;

/// <summary>Runs the reconstruction graph over caller-owned buffers; holds no batching or threading policy.</summary>
public sealed class MaeReconstructionSession(InferenceSession session, MaeConfig config) : IDisposable
{
    private static readonly string[] InputNames = [MaeGraphIO.PixelValues, MaeGraphIO.IdsKeep, MaeGraphIO.IdsRestore, MaeGraphIO.Mask];
    private static readonly string[] LossOnly = [MaeGraphIO.Loss];
    private static readonly string[] LossAndPatches = [MaeGraphIO.Loss, MaeGraphIO.PredictedPatches];
    private readonly RunOptions _runOptions = new();

    /// <summary>
    /// Computes per-image losses for <paramref name="batch"/> images. <paramref name="idsKeep"/> holds
    /// batch·kept ids; <paramref name="predicted"/>, when given, receives batch·L·patch_dim values.
    /// </summary>
    public void Run(Memory<float> pixels, Memory<long> idsKeep, Memory<long> idsRestore, Memory<float> mask, int batch, int kept,
        Memory<float> loss, Memory<float>? predicted = null)
    {
        int c = config.NumChannels, s = config.ImageSize, l = config.NumPatches;
        var memory = OrtMemoryInfo.DefaultInstance;
        using var pixelValue = OrtValue.CreateTensorValueFromMemory(memory, pixels[..(batch * c * s * s)], [batch, c, s, s]);
        using var keepValue = OrtValue.CreateTensorValueFromMemory(memory, idsKeep[..(batch * kept)], [batch, kept]);
        using var restoreValue = OrtValue.CreateTensorValueFromMemory(memory, idsRestore[..(batch * l)], [batch, l]);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(memory, mask[..(batch * l)], [batch, l]);
        using var lossValue = OrtValue.CreateTensorValueFromMemory(memory, loss[..batch], [batch]);
        OrtValue[] inputs = [pixelValue, keepValue, restoreValue, maskValue];
        if (predicted is { } patches)
        {
            using var patchValue = OrtValue.CreateTensorValueFromMemory(memory, patches[..(batch * l * config.PatchDim)], [batch, l, config.PatchDim]);
            session.Run(_runOptions, InputNames, inputs, LossAndPatches, [lossValue, patchValue]);
        }
        else
        {
            session.Run(_runOptions, InputNames, inputs, LossOnly, [lossValue]);
        }
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        session.Dispose();
    }
}
