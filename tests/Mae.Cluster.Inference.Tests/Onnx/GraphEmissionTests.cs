using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Onnx;
using Onnx;

namespace Mae.Cluster.Inference.Tests.Onnx;

/// <summary>What each emission writes into the model file (GraphFidelityTests checks what the graphs compute).</summary>
public sealed class GraphEmissionTests : IDisposable
{
    private const string Microsoft = "com.microsoft";

    private readonly TempDirectory _temp = new();

    public static TheoryData<MaeGraphKind, Precision> Graphs => new()
    {
        { MaeGraphKind.Features, Precision.Fp32 },
        { MaeGraphKind.Reconstruction, Precision.Fp32 },
        { MaeGraphKind.Features, Precision.Fp16 },
        { MaeGraphKind.Reconstruction, Precision.Fp16 },
    };

    public static TheoryData<MaeGraphKind, Precision, string> FusedGraphs
    {
        get
        {
            var data = new TheoryData<MaeGraphKind, Precision, string>();
            foreach (var (kind, precision) in new[] { (MaeGraphKind.Features, Precision.Fp32), (MaeGraphKind.Reconstruction, Precision.Fp32),
                         (MaeGraphKind.Features, Precision.Fp16), (MaeGraphKind.Reconstruction, Precision.Fp16) })
            {
                data.Add(kind, precision, "cpu");
                data.Add(kind, precision, "cuda");
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FusedGraphs))]
    public void FusedGraphsUseOneContribOperatorPerAttentionAndGelu(MaeGraphKind kind, Precision precision, string target)
    {
        var (config, model) = Build(kind, precision, GraphEmission.Fused, target);
        var layers = Layers(config, kind);

        Assert.Contains(model.OpsetImport, o => o.Domain == Microsoft && o.Version == 1);
        Assert.Equal(layers, Count(model, "MultiHeadAttention", Microsoft));
        Assert.Equal(layers, Count(model, "BiasGelu", Microsoft));
        Assert.Equal(0, Count(model, "Softmax", ""));
        Assert.Equal(0, Count(model, "Erf", ""));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "FastGelu");

        var head = config.HiddenSize / config.NumAttentionHeads;
        var attention = model.Graph.Node.First(n => n.OpType == "MultiHeadAttention");
        Assert.Equal(config.NumAttentionHeads, attention.Attribute.Single(a => a.Name == "num_heads").I);
        Assert.Equal((float)(1.0 / Math.Sqrt(head)), attention.Attribute.Single(a => a.Name == "scale").F);
        Assert.Equal(4, attention.Input.Count); // query, key, value (split from one QKV MatMul) and the QKV bias
        Assert.All(attention.Input.Take(3), q => Assert.Contains(model.Graph.Node, n => n.OpType == "Split" && n.Output.Contains(q)));

        foreach (var norm in model.Graph.Node.Where(n => n.OpType is "SkipLayerNormalization" or "LayerNormalization"))
        {
            Assert.Equal((float)config.LayerNormEps, norm.Attribute.Single(a => a.Name == "epsilon").F);
            // Layernorm computes in fp32 in fp16 graphs too: its gamma, beta (and bias) are fp32.
            Assert.All(norm.Input.Skip(2), name => Assert.Equal((int)TensorProto.Types.DataType.Float, Initializer(model, name).DataType));
        }
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void FusedGraphsForCudaFuseEachResidualAddWithTheLayernormAfterIt(MaeGraphKind kind, Precision precision)
    {
        var (config, model) = Build(kind, precision, GraphEmission.Fused, "cuda");
        var layers = Layers(config, kind);
        var stacks = kind == MaeGraphKind.Reconstruction ? 2 : 1;

        // Two per layer (attention residual + layernorm_after, MLP residual + the next norm); each stack's first
        // layernorm_before has no residual before it.
        Assert.Equal(2 * layers, Count(model, "SkipLayerNormalization", Microsoft));
        Assert.Equal(stacks, Count(model, "LayerNormalization", ""));
        // Every one but each stack's last hands its sum on as the residual stream (optional output 3).
        var norms = model.Graph.Node.Where(n => n.OpType == "SkipLayerNormalization").ToList();
        Assert.Equal(2 * layers - stacks, norms.Count(n => n.Output.Count == 4 && n.Output[3].Length > 0));
        Assert.All(norms, n => Assert.Equal(5, n.Input.Count)); // input, skip, gamma, beta and the Linear's bias
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void FusedGraphsForTheCpuKeepLayerNormalization(MaeGraphKind kind, Precision precision)
    {
        var (config, model) = Build(kind, precision, GraphEmission.Fused, "cpu");

        Assert.Equal(0, Count(model, "SkipLayerNormalization", Microsoft));
        Assert.Equal(2 * Layers(config, kind) + (kind == MaeGraphKind.Reconstruction ? 2 : 1), Count(model, "LayerNormalization", ""));
    }

    [Theory]
    [MemberData(nameof(Graphs))]
    public void PlainGraphsUseStandardOperatorsOnly(MaeGraphKind kind, Precision precision)
    {
        var (_, model) = Build(kind, precision, GraphEmission.Plain, "cpu");

        Assert.All(model.Graph.Node, n => Assert.Equal("", n.Domain));
        Assert.DoesNotContain(model.OpsetImport, o => o.Domain == Microsoft);
        Assert.Contains(model.Graph.Node, n => n.OpType == "Softmax");
        Assert.Contains(model.Graph.Node, n => n.OpType == "Erf");
    }

    [Fact]
    public void EachEmissionAndFusedTargetHasItsOwnCacheEntryAndFusedForTheCpuIsTheDefault()
    {
        TinyCheckpoint.Write(_temp.Combine("model"), seed: 1, TinyModels.Patch8);
        var checkpoint = MaeCheckpoint.Load(_temp.Combine("model"), TestContext.Current.CancellationToken);
        var cache = new GraphCache(_temp.Combine("graphs"));

        var fusedCpu = cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32, GraphEmission.Fused, ExecutionDevice.Cpu);
        var fusedCuda = cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32, GraphEmission.Fused, ExecutionDevice.Parse("cuda:1"));
        var plain = cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32, GraphEmission.Plain);

        Assert.Equal(3, new[] { fusedCpu, fusedCuda, plain }.Distinct().Count());
        Assert.Equal(fusedCpu, cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32));
        Assert.Equal(fusedCuda, cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32, GraphEmission.Fused, ExecutionDevice.Parse("cuda")));
        Assert.Equal(plain, cache.GetOrBuild(checkpoint, MaeGraphKind.Features, Precision.Fp32, GraphEmission.Plain, ExecutionDevice.Parse("cuda")));
        Assert.Equal(GraphEmission.Fused, new MaeEngineOptions().Emission);
        Assert.Contains("-fused-cpu-", fusedCpu, StringComparison.Ordinal);
        Assert.Contains("-fused-cuda-", fusedCuda, StringComparison.Ordinal);
        Assert.Contains("-plain-", plain, StringComparison.Ordinal);
    }

    private (MaeConfig Config, ModelProto Model) Build(MaeGraphKind kind, Precision precision, GraphEmission emission, string target)
    {
        var directory = _temp.Combine("model");
        if (!Directory.Exists(directory))
        {
            TinyCheckpoint.Write(directory, seed: 1, TinyModels.Patch8);
        }
        var checkpoint = MaeCheckpoint.Load(directory, TestContext.Current.CancellationToken);
        var path = _temp.Combine($"{kind}-{precision}-{emission}-{target}.onnx");
        MaeGraphBuilder.Build(checkpoint, kind, precision, emission, ExecutionDevice.Parse(target), path);
        return (checkpoint.Config, ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)));
    }

    private static int Layers(MaeConfig config, MaeGraphKind kind) =>
        config.NumHiddenLayers + (kind == MaeGraphKind.Reconstruction ? config.DecoderNumHiddenLayers : 0);

    private static int Count(ModelProto model, string op, string domain) =>
        model.Graph.Node.Count(n => n.OpType == op && n.Domain == domain);

    private static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(i => i.Name == name);

    public void Dispose() => _temp.Dispose();
}
