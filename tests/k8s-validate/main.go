// Command k8s-validate checks Kubernetes manifests offline, as no cluster can run on the
// machines NanoTrace is tested on: every YAML document of every file given is decoded
// strictly (an unknown or duplicate field, or a value of the wrong type, is an error) into
// the typed objects of the Kubernetes API (k8s.io/api, the same Go types the API server
// uses), and a few rules the API server would enforce are checked on top: names, the
// Deployment's selector matching its pod labels, a Service's selector and ports naming
// a container port, probes on every container. Prints one line per object; exits 1 on
// the first file with an error.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate FILE.yaml...")
		os.Exit(2)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{appsv1.AddToScheme, corev1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	for _, file := range os.Args[1:] {
		if err := validateFile(decoder, file); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(1)
		}
	}
}

func validateFile(decoder runtime.Decoder, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var deployments []*appsv1.Deployment
	var services []*corev1.Service
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("document %d: %w", n, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		json, err := utilyaml.ToJSON(doc)
		if err != nil {
			return fmt.Errorf("document %d: %w", n, err)
		}
		obj, gvk, err := decoder.Decode(json, nil, nil)
		if err != nil {
			return fmt.Errorf("document %d: %w", n, err)
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			deployments = append(deployments, o)
			err = checkDeployment(o)
		case *corev1.Service:
			services = append(services, o)
			err = checkName(o.Name)
		case *corev1.Secret, *corev1.ConfigMap, *corev1.PersistentVolumeClaim:
			err = checkName(obj.(interface{ GetName() string }).GetName())
		default:
			err = fmt.Errorf("a %s, which these manifests do not use", gvk.Kind)
		}
		if err != nil {
			return fmt.Errorf("document %d (%s): %w", n, gvk.Kind, err)
		}
		fmt.Printf("%s: %s %s ok\n", file, gvk.Kind, obj.(interface{ GetName() string }).GetName())
	}
	for _, s := range services {
		if err := checkService(s, deployments); err != nil {
			return fmt.Errorf("Service %s: %w", s.Name, err)
		}
	}
	return nil
}

func checkName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("name %q: %v", name, errs)
	}
	return nil
}

func checkDeployment(d *appsv1.Deployment) error {
	if err := checkName(d.Name); err != nil {
		return err
	}
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		return errors.New("no selector")
	}
	if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		return errors.New("the selector does not match the pod template's labels")
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return errors.New("no container")
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Image == "" {
			return fmt.Errorf("container %s: no image", c.Name)
		}
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			return fmt.Errorf("container %s: a readiness and a liveness probe are needed", c.Name)
		}
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			return fmt.Errorf("container %s: runs as non-root, with a read-only root filesystem and no privilege escalation", c.Name)
		}
		for _, m := range c.VolumeMounts {
			if !hasVolume(d.Spec.Template.Spec.Volumes, m.Name) {
				return fmt.Errorf("container %s mounts %s, which no volume names", c.Name, m.Name)
			}
		}
	}
	return nil
}

func hasVolume(volumes []corev1.Volume, name string) bool {
	for _, v := range volumes {
		if v.Name == name {
			return true
		}
	}
	return false
}

func checkService(s *corev1.Service, deployments []*appsv1.Deployment) error {
	for _, d := range deployments {
		if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) {
			continue
		}
		for _, p := range s.Spec.Ports {
			if !namesPort(d, p.TargetPort.String(), p.TargetPort.IntValue()) {
				return fmt.Errorf("port %s: no container port %s in Deployment %s", p.Name, p.TargetPort.String(), d.Name)
			}
		}
		return nil
	}
	return errors.New("its selector matches no Deployment of the file")
}

func namesPort(d *appsv1.Deployment, name string, number int) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name || (number != 0 && int(p.ContainerPort) == number) {
				return true
			}
		}
	}
	return false
}
