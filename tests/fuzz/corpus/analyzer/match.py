match f:
    case object(__globals__=g):
        pass
