using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Inference.Tests.Reference;

namespace Mae.Cluster.Inference.Tests.Onnx;

/// <summary>
/// Hugging Face's own acceptance check (test_inference_for_pretraining) against the real facebook/vit-mae-base,
/// which cannot be downloaded here: it runs when MAE_HF_CHECKPOINT (the checkpoint folder) and MAE_HF_TEST_IMAGE
/// (tests/fixtures/tests_samples/COCO/000000039769.png from transformers) are set.
/// </summary>
public sealed class HuggingFaceAcceptanceTests
{
    private static readonly int[] ExpectedKept =
    [
        1, 6, 12, 14, 19, 21, 23, 24, 27, 28, 31, 38, 51, 55, 57, 63, 67, 77, 81, 89, 91, 94, 98, 101, 106, 117, 123, 124,
        126, 129, 130, 132, 138, 141, 143, 147, 150, 151, 154, 155, 156, 159, 167, 172, 173, 188, 189, 191, 194,
    ];

    private static readonly float[,] ExpectedLogits =
    {
        { -0.0548f, -1.7023f, -0.9325f },
        { 0.3721f, -0.5670f, -0.2233f },
        { 0.8235f, -1.3878f, -0.3524f },
    };

    [Theory]
    [InlineData(GraphEmission.Fused)]
    [InlineData(GraphEmission.Plain)]
    public void VitMaeBaseReproducesHuggingFacesPretrainingLogits(GraphEmission emission)
    {
        var checkpointDirectory = Environment.GetEnvironmentVariable("MAE_HF_CHECKPOINT");
        var imagePath = Environment.GetEnvironmentVariable("MAE_HF_TEST_IMAGE");
        if (string.IsNullOrEmpty(checkpointDirectory) || string.IsNullOrEmpty(imagePath))
        {
            Assert.Skip("Needs the real facebook/vit-mae-base (unreachable here): set MAE_HF_CHECKPOINT to its folder and " +
                        "MAE_HF_TEST_IMAGE to transformers' tests/fixtures/tests_samples/COCO/000000039769.png.");
        }

        var checkpoint = MaeCheckpoint.Load(checkpointDirectory, TestContext.Current.CancellationToken);
        var config = checkpoint.Config;
        var preprocessor = new ImagePreprocessor(checkpoint.Preprocessor);
        var pixels = new float[preprocessor.OutputLength];
        preprocessor.Preprocess(File.ReadAllBytes(imagePath), pixels);

        // np.random.seed(2); np.random.uniform(size=(1, 196)), as the Hugging Face test feeds it.
        var noise = new NumpyMt19937(2).Uniform(config.NumPatches);
        int l = config.NumPatches, kept = PatchMasking.KeptCount(l, config.MaskRatio);
        var idsKeep = new long[kept];
        var idsRestore = new long[l];
        var mask = new float[l];
        PatchMasking.FromNoise(noise, config.MaskRatio, idsKeep, idsRestore, mask);
        Assert.Equal(ExpectedKept, idsKeep.Select(i => (int)i).Order());

        using var temp = new TempDirectory();
        var path = new GraphCache(temp.Path).GetOrBuild(checkpoint, MaeGraphKind.Reconstruction, Precision.Fp32, emission);
        using var session = new MaeReconstructionSession(OnnxSessionFactory.Create(path, ExecutionDevice.Cpu, 0), config);
        var loss = new float[1];
        var predicted = new float[l * config.PatchDim];
        session.Run(pixels, idsKeep, idsRestore, mask, 1, kept, loss, predicted);

        for (var patch = 0; patch < 3; patch++)
        {
            for (var value = 0; value < 3; value++)
            {
                Assert.InRange(predicted[(patch * config.PatchDim) + value] - ExpectedLogits[patch, value], -1e-4f, 1e-4f);
            }
        }
    }
}
